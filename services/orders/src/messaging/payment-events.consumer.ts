import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventOf, EventType } from '@orderflow/events';
import { ConsumerGroup, EventContext } from '@orderflow/platform';
import { OrderCommands } from '../application/order.commands';
import type { OrdersConfig } from '../config/orders.config';
import { reactToPayment } from '../domain/order.saga';

type PaymentOutcome = EventOf<'PaymentAuthorized'> | EventOf<'PaymentDeclined'>;

/**
 * `orders.payment-events`: payments.events → confirm or cancel the order (the
 * saga). Thin: parse (done by the runtime) → call the application → the
 * runtime commits. Group and topic names come from the config.
 */
@Controller()
@ConsumerGroup((config: OrdersConfig) => ({
  groupId: config.ORDERS_PAYMENT_EVENTS_CONSUMER_GROUP,
  topics: [config.PAYMENTS_EVENTS_TOPIC],
  deadLetterTopic: config.ORDERS_DEAD_LETTER_TOPIC,
}))
export class PaymentEventsConsumer {
  private readonly logger = new Logger('PaymentEvents');

  constructor(private readonly commands: OrderCommands) {}

  @EventPattern<EventType>('PaymentAuthorized')
  onPaymentAuthorized(@Payload() event: EventOf<'PaymentAuthorized'>, @Ctx() ctx: EventContext): Promise<void> {
    return this.react(event, ctx);
  }

  @EventPattern<EventType>('PaymentDeclined')
  onPaymentDeclined(@Payload() event: EventOf<'PaymentDeclined'>, @Ctx() ctx: EventContext): Promise<void> {
    return this.react(event, ctx);
  }

  private async react(event: PaymentOutcome, ctx: EventContext): Promise<void> {
    await this.commands.executeIn(ctx.getTransaction(), event.aggregateId, reactToPayment(event), {
      correlationId: event.correlationId,
      causationId: event.eventId,
    });
    this.logger.debug(`order ${event.aggregateId}: ${event.type} applied`);
  }
}
