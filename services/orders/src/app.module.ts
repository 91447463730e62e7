import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { KafkaClient } from '@orderflow/messaging';
import { KAFKA, PG_POOL, PlatformModule } from '@orderflow/platform';
import type { Pool } from 'pg';
import { OrderCommands } from './application/order.commands';
import { ORDER_READS, type OrderReads } from './application/order-reads.port';
import { OrderQueries } from './application/order.queries';
import { paymentDeadlineSweepProvider } from './application/payment-deadline.sweep';
import { PlaceOrderHandler } from './application/place-order';
import { ORDERS_CONFIG, type OrdersConfig } from './config/orders.config';
import { OrderExceptionFilter } from './http/order.exception-filter';
import { OrdersHttpController } from './http/orders.http.controller';
import { PaymentEventsConsumer } from './messaging/payment-events.consumer';
import { ReadModelConsumer } from './messaging/read-model.consumer';
import { OrderPgReads } from './persistence/order.pg-reads';
import { OrderStatePublisher } from './projections/order-state.publisher';

@Module({})
export class AppModule {
  static forConfig(config: OrdersConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService(config)],
      controllers: [OrdersHttpController, ReadModelConsumer, PaymentEventsConsumer],
      providers: [
        { provide: ORDERS_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: OrderExceptionFilter },
        // pg, not Prisma: measured at 2–3.5× the CPU per read through Prisma (bench/results/reads.md).
        { provide: ORDER_READS, inject: [PG_POOL], useFactory: (pool: Pool) => new OrderPgReads(pool) },
        { provide: OrderQueries, inject: [ORDER_READS], useFactory: (reads: OrderReads) => new OrderQueries(reads) },
        OrderCommands,
        PlaceOrderHandler,
        {
          provide: OrderStatePublisher,
          inject: [KAFKA, PG_POOL],
          useFactory: (kafka: KafkaClient, pool: Pool) =>
            new OrderStatePublisher(kafka, pool, config.ORDERS_STATE_TOPIC),
        },
        paymentDeadlineSweepProvider(config),
      ],
    };
  }
}
