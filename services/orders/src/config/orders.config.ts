import { Topics } from '@orderflow/events';
import { ServiceEnv, loadServiceConfig } from '@orderflow/platform';
import { z } from 'zod';

const units = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const thirtyDays = 30 * 24 * units.h;

/**
 * A duration as whole milliseconds (`900000`) or a number with one unit
 * (`500ms`, `30s`, `15m`, `1h`). Four units need no library.
 */
const Duration = z
  .string()
  .trim()
  .regex(/^\d+(ms|s|m|h)?$/, 'a whole number of milliseconds, or one with a unit: 500ms, 30s, 15m, 1h')
  .transform((text) => {
    const [, amount = '', unit = 'ms'] = /^(\d+)(ms|s|m|h)?$/.exec(text) ?? [];
    return Number(amount) * units[unit as keyof typeof units];
  })
  .pipe(z.number().int().min(100).max(thirtyDays));

/**
 * The orders service's configuration, validated at start. Topic, group and
 * dead-letter names default to the real ones; tests point the consumers at
 * topics of their own (the replay compares `orders.events` with the event
 * store, so nothing else may write there).
 */
export const OrdersEnv = ServiceEnv.extend({
  SERVICE_NAME: ServiceEnv.shape.SERVICE_NAME.default('orders'),
  /** An order still awaiting its payment this long after it was placed is cancelled (PAYMENT_TIMEOUT). */
  ORDERS_PAYMENT_DEADLINE: Duration.default(15 * units.m),
  /** How often to look for orders past the deadline; by default 30 s, or a quarter of a shorter deadline. */
  ORDERS_PAYMENT_DEADLINE_SWEEP_MS: z.coerce.number().int().min(100).max(units.h).optional(),
  ORDERS_EVENTS_TOPIC: z.string().min(1).default(Topics.ordersEvents),
  PAYMENTS_EVENTS_TOPIC: z.string().min(1).default(Topics.paymentsEvents),
  ORDERS_STATE_TOPIC: z.string().min(1).default(Topics.ordersState),
  ORDERS_DEAD_LETTER_TOPIC: z.string().min(1).default(Topics.ordersDeadLetter),
  ORDERS_READ_MODEL_CONSUMER_GROUP: z.string().min(1).default('orders.read-model'),
  ORDERS_PAYMENT_EVENTS_CONSUMER_GROUP: z.string().min(1).default('orders.payment-events'),
}).transform(({ ORDERS_PAYMENT_DEADLINE_SWEEP_MS, ...env }) => ({
  ...env,
  ORDERS_PAYMENT_DEADLINE_SWEEP_MS:
    ORDERS_PAYMENT_DEADLINE_SWEEP_MS ?? Math.max(100, Math.min(30_000, Math.round(env.ORDERS_PAYMENT_DEADLINE / 4))),
}));
export type OrdersConfig = z.infer<typeof OrdersEnv>;
export const loadOrdersConfig = (env: NodeJS.ProcessEnv = process.env): OrdersConfig =>
  loadServiceConfig(OrdersEnv, env);

/** Nest token of the validated config. */
export const ORDERS_CONFIG = Symbol('ORDERS_CONFIG');
