import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { PlatformModule } from '@orderflow/platform';
import { PaymentCommands } from './application/payment.commands';
import { PAYMENTS_CONFIG, type PaymentsConfig } from './config/payments.config';
import { gatewayProviders } from './gateway/gateway.providers';
import { PaymentExceptionFilter } from './http/payment.exception-filter';
import { PaymentsHttpController } from './http/payments.http.controller';
import { OrderEventsConsumer } from './messaging/order-events.consumer';

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
        PaymentCommands,
      ],
    };
  }
}
