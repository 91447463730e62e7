import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { PRISMA, PlatformModule, prismaProviders } from '@orderflow/platform';
import { PAYMENT_READS } from './application/payment-reads.port';
import { PaymentCommands } from './application/payment.commands';
import { PAYMENTS_CONFIG, type PaymentsConfig } from './config/payments.config';
import { gatewayProviders } from './gateway/gateway.providers';
import { PaymentExceptionFilter } from './http/payment.exception-filter';
import { PaymentsHttpController } from './http/payments.http.controller';
import { orderEventsConsumer } from './messaging/order-events.consumer';
import { PaymentPrismaReads } from './persistence/payment.prisma-reads';
import { type PaymentsPrisma, createPaymentsPrisma } from './persistence/prisma.client';

@Module({})
export class AppModule {
  static forConfig(config: PaymentsConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService(config)],
      controllers: [PaymentsHttpController],
      providers: [
        { provide: PAYMENTS_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: PaymentExceptionFilter },
        ...gatewayProviders,
        ...prismaProviders(createPaymentsPrisma),
        {
          provide: PAYMENT_READS,
          inject: [PRISMA],
          useFactory: (prisma: PaymentsPrisma) => new PaymentPrismaReads(prisma),
        },
        PaymentCommands,
        orderEventsConsumer,
      ],
    };
  }
}
