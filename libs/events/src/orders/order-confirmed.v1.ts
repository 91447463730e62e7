import { z } from 'zod';
import { envelopeOf } from '../envelope/envelope';

/** Payment was authorized for the order; `paymentEventId` is the PaymentAuthorized that caused it. */
export const OrderConfirmedV1 = envelopeOf('OrderConfirmed', 1, 'orders', z.object({ paymentEventId: z.uuid() }));
export type OrderConfirmedV1 = z.infer<typeof OrderConfirmedV1>;
