import { z } from 'zod';
import { envelopeOf } from '../envelope/envelope';
import { AmountCents, CurrencyCode } from '../money';

/** v1 said why only in words; v2 adds a stable code. Kept so old events on the topic still read. */
export const PaymentDeclinedV1 = envelopeOf(
  'PaymentDeclined',
  1,
  'payments',
  z.object({ amountCents: AmountCents, currency: CurrencyCode, reason: z.string().min(1) }),
);
export type PaymentDeclinedV1 = z.infer<typeof PaymentDeclinedV1>;
