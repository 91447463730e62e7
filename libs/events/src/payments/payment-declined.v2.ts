import { z } from 'zod';
import { envelopeOf } from '../envelope/envelope';
import { AmountCents, CurrencyCode } from '../money';
import type { PaymentDeclinedV1 } from './payment-declined.v1';

export const DeclineCode = z.enum(['LIMIT_EXCEEDED', 'GATEWAY_DECLINED', 'UNSPECIFIED']);
export type DeclineCode = z.infer<typeof DeclineCode>;

export const PaymentDeclinedV2 = envelopeOf(
  'PaymentDeclined',
  2,
  'payments',
  z.object({ amountCents: AmountCents, currency: CurrencyCode, code: DeclineCode, reason: z.string().min(1) }),
);
export type PaymentDeclinedV2 = z.infer<typeof PaymentDeclinedV2>;

/** A v1 decline had no code: it reads as UNSPECIFIED, its words kept. */
export const upcastPaymentDeclinedV1 = (event: PaymentDeclinedV1): PaymentDeclinedV2 => ({
  ...event,
  schemaVersion: 2,
  payload: { ...event.payload, code: 'UNSPECIFIED' },
});
