import { Topics } from '@orderflow/events';
import { ServiceEnv, loadServiceConfig } from '@orderflow/platform';
import { z } from 'zod';

/**
 * The payments service's configuration, validated at start. The topic, group
 * and dead-letter names default to the real ones; tests point a consumer at
 * topics of their own (the orders replay compares `orders.events` with the
 * orders event store, so nothing else may write there).
 */
export const PaymentsEnv = ServiceEnv.extend({
  SERVICE_NAME: ServiceEnv.shape.SERVICE_NAME.default('payments'),
  /** The simulated gateway declines a total above this, in the order's minor units. */
  PAYMENT_LIMIT_CENTS: z.coerce.number().int().nonnegative().default(100_000),
  /** Added to every simulated gateway call, for fault and load tests. */
  PAYMENT_GATEWAY_LATENCY_MS: z.coerce.number().int().min(0).max(10_000).default(0),
  /** Share of simulated gateway calls that fail transiently (0..1), for fault tests. */
  PAYMENT_GATEWAY_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  ORDERS_EVENTS_TOPIC: z.string().min(1).default(Topics.ordersEvents),
  PAYMENTS_DEAD_LETTER_TOPIC: z.string().min(1).default(Topics.paymentsDeadLetter),
  PAYMENTS_CONSUMER_GROUP: z.string().min(1).default('payments.order-events'),
  /** Partitions of orders.events handled at once (each holds a database connection while it works). */
  PAYMENTS_CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(12).default(6),
});
export type PaymentsConfig = z.infer<typeof PaymentsEnv>;
export const loadPaymentsConfig = (env: NodeJS.ProcessEnv = process.env): PaymentsConfig =>
  loadServiceConfig(PaymentsEnv, env);

/** Nest token of the validated config. */
export const PAYMENTS_CONFIG = Symbol('PAYMENTS_CONFIG');
