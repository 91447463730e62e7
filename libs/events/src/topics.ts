/**
 * Topic names and the key rule, in one place. Every event of an order — whichever
 * service emits it — is keyed by the order id, so one order's events stay in one
 * partition and in order.
 */
export const Topics = {
  /** Orders' event stream (outbox aggregatetype `orders`). Kept forever: it is the replay source. */
  ordersEvents: 'orders.events',
  /** Payments' event stream (outbox aggregatetype `payments`), keyed by order id. */
  paymentsEvents: 'payments.events',
  /** Email's event stream (outbox aggregatetype `email`), keyed by order id. */
  emailEvents: 'email.events',
  /** Latest state per order, compacted: one record per order id. */
  ordersState: 'orders.state',
  /** Dead letters of each consuming service, with the reason and the source coordinates in headers. */
  ordersDeadLetter: 'orders.dlq',
  paymentsDeadLetter: 'payments.dlq',
  emailDeadLetter: 'email.dlq',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

/** Debezium's EventRouter routes an outbox row to `${aggregatetype}.events`. */
export const eventsTopicOf = (aggregateType: string): string => `${aggregateType}.events`;

/** The Kafka key of every event about an order. */
export const orderKey = (orderId: string): string => orderId;
