import { z } from 'zod';
import { envelopeOf } from '../envelope/envelope';
import { AmountCents, CurrencyCode } from '../money';

export const PaymentAuthorizedV1 = envelopeOf(
  'PaymentAuthorized',
  1,
  'payments',
  z.object({ amountCents: AmountCents, currency: CurrencyCode, authorizationId: z.string().min(1) }),
);
export type PaymentAuthorizedV1 = z.infer<typeof PaymentAuthorizedV1>;
