import { z } from 'zod';
import { envelopeOf } from '../envelope/envelope';

export const EmailKind = z.enum([
  'ORDER_RECEIVED',
  'ORDER_CONFIRMED',
  'ORDER_CANCELLED',
  'ORDER_SHIPPED',
  'REFUND_ISSUED',
]);

/** Keyed by order id like every event about an order; `messageId` is derived from the triggering event id. */
export const EmailSentV1 = envelopeOf(
  'EmailSent',
  1,
  'email',
  z.object({ kind: EmailKind, to: z.email(), messageId: z.string().min(1), triggeredBy: z.uuid() }),
);
export type EmailSentV1 = z.infer<typeof EmailSentV1>;
