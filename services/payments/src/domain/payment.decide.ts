import type { Command, Decider } from '@event-driven-io/emmett';
import { CodedError } from '@orderflow/events';
import type { DeclineCode } from '@orderflow/events';
import { type AuthorizedPayment, type Payment, type PaymentEvent, evolve, initialState } from './payment';

/**
 * Commands on a payment and `decide`. The gateway is called by the
 * application, not here: its answer arrives in `AuthorizePayment` as data, so
 * the decision stays pure and replayable. Time arrives as `metadata.now`.
 */
export type AuthorizationOutcome =
  { result: 'AUTHORIZED'; authorizationId: string } | { result: 'DECLINED'; code: DeclineCode; reason: string };

type Metadata = { now: Date };

/** Record the gateway's answer to the order's total. */
export type AuthorizePayment = Command<
  'AuthorizePayment',
  { orderId: string; amountCents: number; currency: string; outcome: AuthorizationOutcome },
  Metadata
>;
/** Give an authorized payment back (the order was cancelled). */
export type RefundPayment = Command<'RefundPayment', { orderId: string; reason: string }, Metadata>;
export type PaymentCommand = AuthorizePayment | RefundPayment;

/** Why a command was refused, with a stable code; the HTTP edge maps codes to statuses. */
export type PaymentErrorCode =
  'PAYMENT_NOT_FOUND' | 'PAYMENT_ALREADY_DECIDED' | 'PAYMENT_NOT_AUTHORIZED' | 'PAYMENT_ALREADY_REFUNDED';

export class PaymentError extends CodedError<PaymentErrorCode> {}

export function decide(command: PaymentCommand, state: Payment): PaymentEvent[] {
  switch (command.type) {
    case 'AuthorizePayment':
      return authorize(command, state);
    case 'RefundPayment':
      return refund(command, state);
    default: {
      const unknown: never = command;
      throw new Error(`unhandled payment command ${JSON.stringify(unknown)}`);
    }
  }
}

function authorize({ data, metadata }: AuthorizePayment, state: Payment): PaymentEvent[] {
  if (state.status !== 'NONE') {
    throw new PaymentError(
      'PAYMENT_ALREADY_DECIDED',
      `the payment of order ${data.orderId} is already ${state.status.toLowerCase()}`,
    );
  }
  const { orderId, amountCents, currency, outcome } = data;
  const at = metadata.now.toISOString();
  return outcome.result === 'AUTHORIZED'
    ? [
        {
          type: 'PaymentAuthorized',
          data: { orderId, amountCents, currency, authorizationId: outcome.authorizationId, authorizedAt: at },
        },
      ]
    : [
        {
          type: 'PaymentDeclined',
          data: { orderId, amountCents, currency, code: outcome.code, reason: outcome.reason, declinedAt: at },
        },
      ];
}

function refund({ data, metadata }: RefundPayment, state: Payment): PaymentEvent[] {
  assertRefundable(state, data.orderId);
  const { orderId, amountCents, currency } = state;
  return [
    {
      type: 'PaymentRefunded',
      data: { orderId, amountCents, currency, reason: data.reason, refundedAt: metadata.now.toISOString() },
    },
  ];
}

/**
 * Whether a cancelled order's payment has money to give back. Only an
 * authorized payment has: a declined or unknown one charged nothing, so a
 * cancellation leaves it alone.
 */
export const isRefundable = (state: Payment): state is AuthorizedPayment => state.status === 'AUTHORIZED';

function assertRefundable(state: Payment, orderId: string): asserts state is AuthorizedPayment {
  switch (state.status) {
    case 'AUTHORIZED':
      return;
    case 'NONE':
      throw new PaymentError('PAYMENT_NOT_FOUND', `there is no payment for order ${orderId}`);
    case 'DECLINED':
      throw new PaymentError(
        'PAYMENT_NOT_AUTHORIZED',
        `the payment of order ${orderId} was declined: nothing to refund`,
      );
    case 'REFUNDED':
      throw new PaymentError('PAYMENT_ALREADY_REFUNDED', `the payment of order ${orderId} is already refunded`);
    default: {
      const unknown: never = state;
      throw new Error(`unhandled payment state ${JSON.stringify(unknown)}`);
    }
  }
}

export const decider: Decider<Payment, PaymentCommand, PaymentEvent> = { decide, evolve, initialState };
