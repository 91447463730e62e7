import type { OrderLine } from '@orderflow/events';

/**
 * What each email's templates are filled with. Plain data, computed from the
 * triggering event alone: money is formatted here, escaping is the template
 * engine's job (HTML parts only).
 */
interface Common {
  orderId: string;
  /** Short, human-friendly reference: the order id's first 8 characters, upper case. */
  orderRef: string;
}
export type OrderReceivedModel = Common & {
  items: { sku: string; quantity: number; unitPrice: string; lineTotal: string }[];
  total: string;
};
export type OrderCancelledModel = Common & { reason: string; byCustomer: boolean; refundFollows: boolean };
export type RefundIssuedModel = Common & { amount: string; reason: string };
export type TemplateModel = Common | OrderReceivedModel | OrderCancelledModel | RefundIssuedModel;

export const commonModel = (orderId: string): Common => ({ orderId, orderRef: orderId.slice(0, 8).toUpperCase() });

export const orderReceivedModel = (
  orderId: string,
  items: readonly OrderLine[],
  totalCents: number,
  currency: string,
): OrderReceivedModel => ({
  ...commonModel(orderId),
  items: items.map((line) => ({
    sku: line.sku,
    quantity: line.quantity,
    unitPrice: formatMoney(line.unitPriceCents, currency),
    lineTotal: formatMoney(line.unitPriceCents * line.quantity, currency),
  })),
  total: formatMoney(totalCents, currency),
});

const formats = new Map<string, Intl.NumberFormat>();

/** Minor units → "€25.00", "¥2,500": the currency's own number of decimals (ISO 4217, via Intl). */
export function formatMoney(amountCents: number, currency: string): string {
  let format = formats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en', { style: 'currency', currency });
    formats.set(currency, format);
  }
  const decimals = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amountCents / 10 ** decimals);
}
