import { randomUUID } from 'node:crypto';
import { anEnvelope, anOrderPlaced } from '../../../test/support/event.factory';
import { ContractViolation, parseEvent } from './contracts';

const envelope = (type: string, schemaVersion: number, aggregateType: string, payload: unknown) =>
  anEnvelope(type, schemaVersion, aggregateType, payload);
const orderPlaced = (payload: Record<string, unknown> = {}) => anOrderPlaced(payload);

const violation = (raw: unknown) => {
  try {
    parseEvent(raw);
  } catch (error) {
    if (error instanceof ContractViolation) return error;
    throw error;
  }
  throw new Error('expected a contract violation');
};

describe('event contracts', () => {
  describe('valid events', () => {
    it('reads an OrderPlaced as it was written', () => {
      const raw = orderPlaced();
      expect(parseEvent(raw)).toEqual(raw);
    });

    it.each([
      ['OrderConfirmed', 'orders', { paymentEventId: randomUUID() }],
      ['OrderCancelled', 'orders', { cause: 'PAYMENT_DECLINED', reason: 'limit exceeded', wasPaid: false }],
      [
        'OrderCancelled',
        'orders',
        { cause: 'PAYMENT_TIMEOUT', reason: 'payment not received within 15 min', wasPaid: false },
      ],
      ['OrderShipped', 'orders', {}],
      ['PaymentAuthorized', 'payments', { amountCents: 100, currency: 'USD', authorizationId: 'auth-1' }],
      ['PaymentRefunded', 'payments', { amountCents: 100, currency: 'USD', reason: 'order cancelled' }],
      [
        'EmailSent',
        'email',
        { kind: 'ORDER_RECEIVED', to: 'ada@example.com', messageId: '<x@orderflow>', triggeredBy: randomUUID() },
      ],
    ])('reads a %s', (type, aggregateType, payload) => {
      const raw = envelope(type, 1, aggregateType, payload);
      expect(parseEvent(raw)).toEqual(raw);
    });
  });

  describe('invalid events', () => {
    it('rejects money as a float, naming the field', () => {
      const error = violation(orderPlaced({ totalCents: 25.5 }));
      expect(error.code).toBe('SCHEMA_VIOLATION');
      expect(error.message).toContain('payload.totalCents');
    });

    it('rejects a currency that is not an ISO code', () => {
      expect(violation(orderPlaced({ currency: 'euro' })).message).toContain('payload.currency');
    });

    it('rejects an order without items', () => {
      expect(violation(orderPlaced({ items: [] })).message).toContain('payload.items');
    });

    it('rejects a cancellation cause the contract does not list (why consumers deploy before a new cause is emitted)', () => {
      const error = violation(
        envelope('OrderCancelled', 1, 'orders', { cause: 'BORED', reason: 'no reason', wasPaid: false }),
      );
      expect(error.code).toBe('SCHEMA_VIOLATION');
      expect(error.message).toContain('payload.cause');
    });

    it('rejects something that is not an envelope', () => {
      expect(violation({ hello: 'world' }).code).toBe('NOT_AN_ENVELOPE');
      expect(violation('OrderPlaced').code).toBe('NOT_AN_ENVELOPE');
    });

    it('rejects a type no contract knows', () => {
      expect(violation(envelope('OrderTeleported', 1, 'orders', {})).code).toBe('UNKNOWN_EVENT_TYPE');
    });

    it('rejects a version no contract knows', () => {
      expect(violation({ ...orderPlaced(), schemaVersion: 7 }).code).toBe('UNKNOWN_SCHEMA_VERSION');
    });

    it('rejects an event filed under another aggregate type', () => {
      expect(violation({ ...orderPlaced(), aggregateType: 'payments' }).code).toBe('SCHEMA_VIOLATION');
    });
  });

  describe('versions', () => {
    it('reads a PaymentDeclined v1 as v2, with the code it lacked as UNSPECIFIED', () => {
      const v1 = envelope('PaymentDeclined', 1, 'payments', {
        amountCents: 150_000,
        currency: 'EUR',
        reason: 'too much',
      });

      const read = parseEvent(v1);

      expect(read).toEqual({
        ...v1,
        schemaVersion: 2,
        payload: { amountCents: 150_000, currency: 'EUR', code: 'UNSPECIFIED', reason: 'too much' },
      });
    });

    it('reads a PaymentDeclined v2 unchanged', () => {
      const v2 = envelope('PaymentDeclined', 2, 'payments', {
        amountCents: 150_000,
        currency: 'EUR',
        code: 'LIMIT_EXCEEDED',
        reason: 'over the limit',
      });
      expect(parseEvent(v2)).toEqual(v2);
    });

    it('rejects an invalid v1 before upcasting it', () => {
      const bad = envelope('PaymentDeclined', 1, 'payments', { amountCents: -1, currency: 'EUR', reason: 'x' });
      expect(violation(bad).code).toBe('SCHEMA_VIOLATION');
    });
  });
});
