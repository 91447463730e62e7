import { AmountCents, CurrencyCode } from '@orderflow/events';
import { z } from 'zod';

/** Request bodies and queries, validated at the edge; OpenAPI is generated from these. */
export const PlaceOrderRequest = z.strictObject({
  customerId: z.string().trim().min(1).max(200),
  customerEmail: z.email(),
  currency: CurrencyCode,
  items: z
    .array(
      z.strictObject({
        sku: z.string().trim().min(1).max(100),
        quantity: z.number().int().min(1).max(10_000),
        unitPriceCents: AmountCents.max(100_000_000),
      }),
    )
    .min(1)
    .max(100),
});
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequest>;

export const OrderIdParam = z.uuid({ message: 'order id must be a UUID' });

export const ListOrdersQuery = z.strictObject({
  status: z.enum(['PENDING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'CANCELLED']).optional(),
  customerId: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
});

export const IdempotencyKeyHeader = z.string().trim().min(1).max(200).optional();
