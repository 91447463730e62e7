import { z } from 'zod';
import { envelopeOf } from '../envelope/envelope';
import { AmountCents, CurrencyCode } from '../money';

export const PaymentRefundedV1 = envelopeOf(
  'PaymentRefunded',
  1,
  'payments',
  z.object({ amountCents: AmountCents, currency: CurrencyCode, reason: z.string().min(1) }),
);
export type PaymentRefundedV1 = z.infer<typeof PaymentRefundedV1>;
