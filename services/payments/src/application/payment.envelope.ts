import type { AnyEnvelope, PaymentAuthorizedV1, PaymentDeclinedV2, PaymentRefundedV1 } from '@orderflow/events';
import type { PaymentEvent } from '../domain/payment';

/** Where an outgoing event sits and what caused it. */
export interface EnvelopeContext {
  eventId: string;
  /** The event's position in the payment's own stream for the order: 1, 2, … */
  aggregateVersion: number;
  /** The event that made the payment act: its id becomes the causation, its correlation is carried on. */
  cause: Pick<AnyEnvelope, 'eventId' | 'correlationId'>;
}

type PaymentEnvelope = PaymentAuthorizedV1 | PaymentDeclinedV2 | PaymentRefundedV1;

/** A domain event as the wire contract of @orderflow/events, keyed (aggregateId) by the order id. */
export function toEnvelope(event: PaymentEvent, context: EnvelopeContext): PaymentEnvelope {
  const base = {
    eventId: context.eventId,
    aggregateType: 'payments' as const,
    aggregateId: event.data.orderId,
    aggregateVersion: context.aggregateVersion,
    correlationId: context.cause.correlationId,
    causationId: context.cause.eventId,
  };
  const { amountCents, currency } = event.data;
  switch (event.type) {
    case 'PaymentAuthorized':
      return {
        ...base,
        type: 'PaymentAuthorized',
        schemaVersion: 1,
        occurredAt: event.data.authorizedAt,
        payload: { amountCents, currency, authorizationId: event.data.authorizationId },
      };
    case 'PaymentDeclined':
      return {
        ...base,
        type: 'PaymentDeclined',
        schemaVersion: 2,
        occurredAt: event.data.declinedAt,
        payload: { amountCents, currency, code: event.data.code, reason: event.data.reason },
      };
    case 'PaymentRefunded':
      return {
        ...base,
        type: 'PaymentRefunded',
        schemaVersion: 1,
        occurredAt: event.data.refundedAt,
        payload: { amountCents, currency, reason: event.data.reason },
      };
    default: {
      const unknown: never = event;
      throw new Error(`unhandled payment event ${JSON.stringify(unknown)}`);
    }
  }
}
