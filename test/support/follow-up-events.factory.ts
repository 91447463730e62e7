import { randomUUID } from 'node:crypto';
import type { AnyEnvelope } from '@orderflow/events';
import { anEnvelope } from './event.factory';

/**
 * Valid events that follow an earlier one in the same saga: same order
 * (aggregateId), same correlation, caused by it. `aggregateVersion` is the
 * position in the emitting aggregate's own stream; override it when it matters.
 */
const after = (cause: AnyEnvelope, aggregateVersion: number, overrides: Partial<AnyEnvelope>) => ({
  aggregateId: cause.aggregateId,
  correlationId: cause.correlationId,
  causationId: cause.eventId,
  aggregateVersion,
  ...overrides,
});

export const anOrderConfirmed = (
  cause: AnyEnvelope,
  payload: Record<string, unknown> = {},
  overrides: Partial<AnyEnvelope> = {},
) =>
  anEnvelope('OrderConfirmed', 1, 'orders', { paymentEventId: randomUUID(), ...payload }, after(cause, 2, overrides));

export const anOrderCancelled = (
  cause: AnyEnvelope,
  payload: Record<string, unknown> = {},
  overrides: Partial<AnyEnvelope> = {},
) =>
  anEnvelope(
    'OrderCancelled',
    1,
    'orders',
    { cause: 'CUSTOMER_REQUEST', reason: 'changed my mind', wasPaid: true, ...payload },
    after(cause, 2, overrides),
  );

export const anOrderShipped = (cause: AnyEnvelope, overrides: Partial<AnyEnvelope> = {}) =>
  anEnvelope('OrderShipped', 1, 'orders', {}, after(cause, 3, overrides));

export const aPaymentRefunded = (
  cause: AnyEnvelope,
  payload: Record<string, unknown> = {},
  overrides: Partial<AnyEnvelope> = {},
) =>
  anEnvelope(
    'PaymentRefunded',
    1,
    'payments',
    { amountCents: 2500, currency: 'EUR', reason: 'order cancelled: changed my mind', ...payload },
    after(cause, 2, overrides),
  );
