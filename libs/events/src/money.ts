import { z } from 'zod';

/** ISO 4217 alphabetic code. Money is always integer minor units plus a currency, never a float. */
export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR')
  .describe('ISO 4217 currency code');
export const AmountCents = z.number().int().nonnegative().describe('amount in minor units (cents)');
