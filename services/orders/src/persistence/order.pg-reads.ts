import type { Queryable } from '@orderflow/messaging';
import type { Order } from '../domain/order';
import type { OrderPageFilter, OrderReads } from '../application/order-reads.port';
import { type OrderViewRow, toOrder } from '../projections/order-view.projection';
import { loadOrderEvents } from './order-event.store';

/** The read side on `pg`: the event store's prepared stream read, one SQL statement per page. */
export class OrderPgReads implements OrderReads {
  constructor(private readonly db: Queryable) {}

  events(orderId: string) {
    return loadOrderEvents(this.db, orderId);
  }

  async page(filter: OrderPageFilter): Promise<Order[]> {
    const { rows } = await this.db.query<OrderViewRow>(
      `SELECT * FROM orders_view_v1
       WHERE ($1::text IS NULL OR status = $1)
         AND ($2::text IS NULL OR customer_id = $2)
         AND ($3::timestamptz IS NULL OR (created_at, id) > ($3, $4::uuid))
       ORDER BY created_at, id
       LIMIT $5`,
      [
        filter.status ?? null,
        filter.customerId ?? null,
        filter.after?.createdAt ?? null,
        filter.after?.id ?? null,
        filter.limit,
      ],
    );
    return rows.map(toOrder);
  }
}
