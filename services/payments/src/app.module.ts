import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { PG_POOL, PlatformModule } from '@orderflow/platform';
import type { Pool } from 'pg';
import { PAYMENT_READS } from './application/payment-reads.port';
import { PaymentCommands } from './application/payment.commands';
import { PAYMENTS_CONFIG, type PaymentsConfig } from './config/payments.config';
import { gatewayProviders } from './gateway/gateway.providers';
import { PaymentExceptionFilter } from './http/payment.exception-filter';
import { PaymentsHttpController } from './http/payments.http.controller';
import { OrderEventsConsumer } from './messaging/order-events.consumer';
import { PaymentPgReads } from './persistence/payment.pg-reads';

@Module({})
export class AppModule {
  static forConfig(config: PaymentsConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService(config)],
      controllers: [PaymentsHttpController, OrderEventsConsumer],
      providers: [
        { provide: PAYMENTS_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: PaymentExceptionFilter },
        ...gatewayProviders,
        // pg, not Prisma: measured at over 2× the CPU per read through Prisma (bench/results/reads.md).
        { provide: PAYMENT_READS, inject: [PG_POOL], useFactory: (pool: Pool) => new PaymentPgReads(pool) },
        PaymentCommands,
      ],
    };
  }
}
