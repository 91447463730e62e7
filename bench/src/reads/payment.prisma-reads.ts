import type { PrismaClient } from '../../../services/payments/src/persistence/prisma/client';
import type { PaymentReads, PaymentView } from '../../../services/payments/src/application/payment-reads.port';
import type { PaymentStatus } from '../../../services/payments/src/domain/payment';

/** The read side through the generated Prisma client: measured against the service's pg reads (reads.bench.ts), not run by the service. */
export class PaymentPrismaReads implements PaymentReads {
  constructor(private readonly prisma: PrismaClient) {}

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
