import type { Queryable } from '@orderflow/messaging';
import type { PaymentReads, PaymentView } from '../application/payment-reads.port';
import { selectPayment, type PaymentRow } from './payment.store';

/** The read side on `pg`: the prepared statement the command handler loads a payment with. */
export class PaymentPgReads implements PaymentReads {
  constructor(private readonly db: Queryable) {}

  async view(orderId: string): Promise<PaymentView | undefined> {
    const { rows } = await this.db.query<PaymentRow>(selectPayment([orderId]));
    const row = rows[0];
    if (!row) return undefined;
    return {
      orderId: row.order_id,
      status: row.status,
      amountCents: Number(row.amount_cents),
      currency: row.currency,
      ...(row.reason === null ? {} : { reason: row.reason }),
      updatedAt: row.updated_at.toISOString(),
    };
  }
}
