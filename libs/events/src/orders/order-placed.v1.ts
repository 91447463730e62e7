import { z } from 'zod';
import { envelopeOf } from '../envelope/envelope';
import { AmountCents, CurrencyCode } from '../money';

export const OrderLine = z.object({
  sku: z.string().min(1),
  quantity: z.number().int().positive(),
  unitPriceCents: AmountCents,
});
export type OrderLine = z.infer<typeof OrderLine>;

export const OrderPlacedV1 = envelopeOf(
  'OrderPlaced',
  1,
  'orders',
  z.object({
    customerId: z.string().min(1),
    customerEmail: z.email(),
    currency: CurrencyCode,
    items: z.array(OrderLine).min(1),
    totalCents: AmountCents,
  }),
);
export type OrderPlacedV1 = z.infer<typeof OrderPlacedV1>;
