import { randomUUID } from 'node:crypto';
import type { AnyEnvelope } from '@orderflow/events';

/** A valid envelope for tests; override any field. */
export const anEnvelope = (
  type: string,
  schemaVersion: number,
  aggregateType: string,
  payload: unknown,
  overrides: Partial<AnyEnvelope> = {},
): AnyEnvelope => ({
  eventId: randomUUID(),
  type,
  schemaVersion,
  aggregateType,
  aggregateId: randomUUID(),
  aggregateVersion: 1,
  occurredAt: '2026-11-24T08:00:00.000Z',
  correlationId: randomUUID(),
  causationId: null,
  payload,
  ...overrides,
});

export const anOrderPlaced = (payload: Record<string, unknown> = {}, overrides: Partial<AnyEnvelope> = {}) =>
  anEnvelope(
    'OrderPlaced',
    1,
    'orders',
    {
      customerId: 'c-1',
      customerEmail: 'ada@example.com',
      currency: 'EUR',
      items: [{ sku: 'BOOK-1', quantity: 2, unitPriceCents: 1250 }],
      totalCents: 2500,
      ...payload,
    },
    overrides,
  );
