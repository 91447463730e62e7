import { z } from 'zod';
import { envelopeOf } from '../envelope/envelope';

export const CancellationCause = z.enum(['CUSTOMER_REQUEST', 'PAYMENT_DECLINED']);

export const OrderCancelledV1 = envelopeOf(
  'OrderCancelled',
  1,
  'orders',
  z.object({ cause: CancellationCause, reason: z.string().min(1), wasPaid: z.boolean() }),
);
export type OrderCancelledV1 = z.infer<typeof OrderCancelledV1>;
