import type { Event } from '@event-driven-io/emmett';
import type { DeclineCode } from '@orderflow/events';

/**
 * A payment for one order: its events, its state, and `evolve`. The state is
 * `events.reduce(evolve, initialState())`. Pure: no I/O, no clock, no ids —
 * time arrives in the command's metadata (payment.decide.ts).
 *
 * These are the domain's own facts; the application turns them into the wire
 * contracts of @orderflow/events (PaymentAuthorized, PaymentDeclined v2,
 * PaymentRefunded) when it writes them to the outbox.
 */
// A type, not an interface: Emmett's event data must be a plain record.
type Money = { amountCents: number; currency: string };

export type PaymentAuthorized = Event<
  'PaymentAuthorized',
  Money & { orderId: string; authorizationId: string; authorizedAt: string }
>;
export type PaymentDeclined = Event<
  'PaymentDeclined',
  Money & { orderId: string; code: DeclineCode; reason: string; declinedAt: string }
>;
export type PaymentRefunded = Event<'PaymentRefunded', Money & { orderId: string; reason: string; refundedAt: string }>;
export type PaymentEvent = PaymentAuthorized | PaymentDeclined | PaymentRefunded;

export type PaymentStatus = 'AUTHORIZED' | 'DECLINED' | 'REFUNDED';

interface Known extends Money {
  orderId: string;
  updatedAt: string;
}
export type AuthorizedPayment = Known & { status: 'AUTHORIZED'; authorizationId: string };
export type DeclinedPayment = Known & { status: 'DECLINED'; code: DeclineCode; reason: string };
export type RefundedPayment = Known & { status: 'REFUNDED'; authorizationId: string; reason: string };
export type Payment = { status: 'NONE' } | AuthorizedPayment | DeclinedPayment | RefundedPayment;

export const initialState = (): Payment => ({ status: 'NONE' });

export function evolve(state: Payment, event: PaymentEvent): Payment {
  const { type, data } = event;
  switch (type) {
    case 'PaymentAuthorized':
      return {
        status: 'AUTHORIZED',
        orderId: data.orderId,
        amountCents: data.amountCents,
        currency: data.currency,
        authorizationId: data.authorizationId,
        updatedAt: data.authorizedAt,
      };
    case 'PaymentDeclined':
      return {
        status: 'DECLINED',
        orderId: data.orderId,
        amountCents: data.amountCents,
        currency: data.currency,
        code: data.code,
        reason: data.reason,
        updatedAt: data.declinedAt,
      };
    case 'PaymentRefunded':
      // Only an authorized payment is refunded (decide guarantees it); anything else stays as it was.
      return state.status === 'AUTHORIZED'
        ? { ...state, status: 'REFUNDED', reason: data.reason, updatedAt: data.refundedAt }
        : state;
    default: {
      const unknown: never = type;
      throw new Error(`unhandled payment event ${String(unknown)}`);
    }
  }
}
