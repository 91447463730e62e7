import type { PaymentReads, PaymentView } from '../application/payment-reads.port';
import type { PaymentStatus } from '../domain/payment';
import type { PaymentsPrisma } from './prisma.client';

/** The read side through the generated Prisma client. */
export class PaymentPrismaReads implements PaymentReads {
  constructor(private readonly prisma: PaymentsPrisma) {}

  async view(orderId: string): Promise<PaymentView | undefined> {
    const row = await this.prisma.payment.findUnique({
      where: { order_id: orderId },
      select: { order_id: true, status: true, amount_cents: true, currency: true, reason: true, updated_at: true },
    });
    if (!row) return undefined;
    return {
      orderId: row.order_id,
      // Written only by savePayment, from the domain's own states.
      status: row.status as PaymentStatus,
      // BIGINT arrives as a bigint; minor units fit a double.
      amountCents: Number(row.amount_cents),
      currency: row.currency,
      ...(row.reason === null ? {} : { reason: row.reason }),
      updatedAt: row.updated_at.toISOString(),
    };
  }
}
