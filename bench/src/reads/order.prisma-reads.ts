import { parseEvent } from '@orderflow/events';
import type { Order, OrderEvent } from '../../../services/orders/src/domain/order';
import { isOrderEvent } from '../../../services/orders/src/domain/order';
import type { OrderPageFilter, OrderReads } from '../../../services/orders/src/application/order-reads.port';
import { type OrderViewRow, toOrder } from '../../../services/orders/src/projections/order-view.projection';
import type { OrderView, PrismaClient } from '../../../services/orders/src/persistence/prisma/client';

/** The read side through the generated Prisma client: measured against the service's pg reads (reads.bench.ts), not run by the service. */
export class OrderPrismaReads implements OrderReads {
  constructor(private readonly prisma: PrismaClient) {}

  async events(orderId: string): Promise<OrderEvent[]> {
    const rows = await this.prisma.orderEvent.findMany({
      where: { order_id: orderId },
      orderBy: { version: 'asc' },
      select: { envelope: true },
    });
    return rows.map((r) => parseEvent(r.envelope)).filter(isOrderEvent);
  }

  async page(filter: OrderPageFilter): Promise<Order[]> {
    const after = filter.after && { createdAt: new Date(filter.after.createdAt), id: filter.after.id };
    const rows = await this.prisma.orderView.findMany({
      where: {
        status: filter.status,
        customer_id: filter.customerId,
        // (created_at, id) > (after.createdAt, after.id), as the index orders_view_v1_page sorts them
        ...(after && {
          OR: [{ created_at: { gt: after.createdAt } }, { created_at: after.createdAt, id: { gt: after.id } }],
        }),
      },
      orderBy: [{ created_at: 'asc' }, { id: 'asc' }],
      take: filter.limit,
    });
    return rows.map((row) => toOrder(asViewRow(row)));
  }
}

/**
 * Prisma's row as the projection reads it: BIGINT arrives as a bigint (cents
 * fit a double), and the text and JSON columns the projection alone writes,
 * from parsed events, are narrowed to the domain's types.
 */
const asViewRow = (row: OrderView): OrderViewRow => ({
  ...row,
  status: row.status as OrderViewRow['status'],
  items: row.items as unknown as OrderViewRow['items'],
  total_cents: Number(row.total_cents),
  cancellation_cause: row.cancellation_cause as OrderViewRow['cancellation_cause'],
});
