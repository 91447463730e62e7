import { eventConsumerProvider } from '@orderflow/platform';
import { PaymentCommands } from '../application/payment.commands';
import { PAYMENTS_CONFIG, type PaymentsConfig } from '../config/payments.config';

export const ORDER_EVENTS_CONSUMER = Symbol('ORDER_EVENTS_CONSUMER');

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
export const orderEventsConsumer = eventConsumerProvider(
  ORDER_EVENTS_CONSUMER,
  (_pool, _kafka, commands: PaymentCommands, config: PaymentsConfig) => ({
    groupId: config.PAYMENTS_CONSUMER_GROUP,
    topics: [config.ORDERS_EVENTS_TOPIC],
    deadLetterTopic: config.PAYMENTS_DEAD_LETTER_TOPIC,
    partitionsConsumedConcurrently: config.PAYMENTS_CONSUMER_CONCURRENCY,
    maxEventsPerTransaction: eventsPerTransaction(config.PAYMENT_GATEWAY_LATENCY_MS),
    handlers: {
      OrderPlaced: (event, { tx }) => commands.authorizeOrder(tx, event),
      OrderCancelled: (event, { tx }) => commands.refundCancelledOrder(tx, event),
    },
  }),
  [PaymentCommands, PAYMENTS_CONFIG],
);
