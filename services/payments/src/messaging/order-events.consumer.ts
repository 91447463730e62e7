import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventOf, EventType } from '@orderflow/events';
import { ConsumerGroup, EventContext } from '@orderflow/platform';
import { PaymentCommands } from '../application/payment.commands';
import type { PaymentsConfig } from '../config/payments.config';

/**
 * Up to 100 events share a transaction (one commit for many), fewer when the
 * gateway is slow: the client heartbeats between batches, so a transaction's
 * gateway waits must stay well inside the group's 30 s session timeout. The
 * bound is also what a transient gateway failure makes the runtime redo.
 */
const eventsPerTransaction = (gatewayLatencyMs: number) =>
  Math.max(1, Math.min(100, Math.floor(10_000 / Math.max(1, gatewayLatencyMs))));

/**
 * `payments.order-events`: orders.events through the inbox. Thin: the runtime
 * parses, dedupes and commits; each handler hands the event and the
 * transaction to the application. Other order events are skipped.
 */
@Controller()
@ConsumerGroup((config: PaymentsConfig) => ({
  groupId: config.PAYMENTS_CONSUMER_GROUP,
  topics: [config.ORDERS_EVENTS_TOPIC],
  deadLetterTopic: config.PAYMENTS_DEAD_LETTER_TOPIC,
  partitionsConsumedConcurrently: config.PAYMENTS_CONSUMER_CONCURRENCY,
  maxEventsPerTransaction: eventsPerTransaction(config.PAYMENT_GATEWAY_LATENCY_MS),
}))
export class OrderEventsConsumer {
  constructor(private readonly commands: PaymentCommands) {}

  @EventPattern<EventType>('OrderPlaced')
  onOrderPlaced(@Payload() event: EventOf<'OrderPlaced'>, @Ctx() ctx: EventContext): Promise<void> {
    return this.commands.authorizeOrder(ctx.getTransaction(), event);
  }

  @EventPattern<EventType>('OrderCancelled')
  onOrderCancelled(@Payload() event: EventOf<'OrderCancelled'>, @Ctx() ctx: EventContext): Promise<void> {
    return this.commands.refundCancelledOrder(ctx.getTransaction(), event);
  }
}
