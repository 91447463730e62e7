import { z } from 'zod';
import { envelopeOf } from '../envelope/envelope';

/**
 * Why an order was cancelled. PAYMENT_TIMEOUT (the orders service's own
 * payment deadline passed) was added after v1 shipped: a consumer built
 * before it rejects such an event, so consumers are deployed before the
 * orders service that emits it.
 */
export const CancellationCause = z.enum(['CUSTOMER_REQUEST', 'PAYMENT_DECLINED', 'PAYMENT_TIMEOUT']);

export const OrderCancelledV1 = envelopeOf(
  'OrderCancelled',
  1,
  'orders',
  z.object({ cause: CancellationCause, reason: z.string().min(1), wasPaid: z.boolean() }),
);
export type OrderCancelledV1 = z.infer<typeof OrderCancelledV1>;
