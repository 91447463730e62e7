import { AmountCents, CurrencyCode } from '@orderflow/events';
import { z } from 'zod';

/**
 * Free text the database will hold. Postgres refuses NUL (U+0000) in text and
 * jsonb (a 500 if it got that far); a lone surrogate would be stored as U+FFFD;
 * and U+FFFD is what Express's JSON parser makes of bytes that are not UTF-8,
 * so an order would keep mojibake instead of what the client meant.
 */
const storableText = (text: string) => !text.includes('\u0000') && !text.includes('\uFFFD') && !/\p{Cs}/u.test(text);
const textMessage = 'must be UTF-8 text without NUL, U+FFFD or unpaired surrogates';
const Text = (max: number) => z.string().trim().min(1).max(max).refine(storableText, textMessage);

/** Request bodies and queries, validated at the edge; OpenAPI is generated from these. */
export const PlaceOrderRequest = z.strictObject(
  {
    customerId: Text(200),
    customerEmail: z.email(),
    currency: CurrencyCode,
    items: z
      .array(
        z.strictObject({
          sku: Text(100),
          quantity: z.number().int().min(1).max(10_000),
          // 0 is refused: far more often a client's missing value than a free line (events still allow 0).
          unitPriceCents: AmountCents.min(1).max(100_000_000),
        }),
      )
      .min(1)
      .max(100),
  },
  {
    // No body at all: Express parsed none, because it was not sent as JSON.
    error: (issue) =>
      issue.input === undefined ? 'expected a JSON object, sent with Content-Type: application/json' : undefined,
  },
);
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequest>;

export const OrderIdParam = z.uuid({ message: 'order id must be a UUID' });

export const ListOrdersQuery = z.strictObject({
  status: z.enum(['PENDING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'CANCELLED']).optional(),
  customerId: z.string().min(1).refine(storableText, textMessage).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
});

export const IdempotencyKeyHeader = z.string().trim().min(1).max(200).optional();
