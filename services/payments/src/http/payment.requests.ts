import { z } from 'zod';

export const PaymentParams = z.object({ orderId: z.uuid('must be a UUID') });
export type PaymentParams = z.infer<typeof PaymentParams>;
