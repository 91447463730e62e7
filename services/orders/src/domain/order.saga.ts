import type { PaymentAuthorizedV1, PaymentDeclinedV2 } from '@orderflow/events';
import type { CancelOrder, ConfirmOrder } from './order.decide';

/**
 * The orders side of the saga, as a pure reaction: a payment outcome becomes a
 * command on the order it is keyed by. (Payments reacts to a cancellation of a
 * paid order with a refund; that half lives in the payments service.)
 */
export function reactToPayment(event: PaymentAuthorizedV1 | PaymentDeclinedV2): ConfirmOrder | CancelOrder {
  switch (event.type) {
    case 'PaymentAuthorized':
      return { type: 'ConfirmOrder', data: { paymentEventId: event.eventId } };
    case 'PaymentDeclined':
      return {
        type: 'CancelOrder',
        data: { cause: 'PAYMENT_DECLINED', reason: `payment declined: ${event.payload.reason}` },
      };
    default: {
      const unknown: never = event;
      throw new Error(`unhandled payment event ${JSON.stringify(unknown)}`);
    }
  }
}
