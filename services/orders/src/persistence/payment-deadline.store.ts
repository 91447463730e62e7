import { type Queryable, prepared } from '@orderflow/messaging';

/** A position in the read model's (created_at, id) order: where a sweep goes on from. */
export interface OrderPosition {
  id: string;
  createdAt: Date;
}

const awaitingPayment = prepared(
  'orders.payment-deadline.page',
  `SELECT id, created_at FROM orders_view_v1
    WHERE status = 'PENDING_PAYMENT'
      AND created_at <= $1
      AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3::uuid))
    ORDER BY created_at, id
    LIMIT $4`,
);

/**
 * Orders the read model shows as still awaiting their payment, placed at or
 * before `placedBy`, oldest first, after `after` (keyset paging on the
 * `orders_view_v1_status_page` index on (status, created_at, id)). The read
 * model lags the event store: the caller decides on the event store, so a row
 * that is stale here costs one no-op command.
 */
export async function ordersAwaitingPayment(
  db: Queryable,
  query: { placedBy: Date; after?: OrderPosition; limit: number },
): Promise<OrderPosition[]> {
  const { rows } = await db.query<{ id: string; created_at: Date }>(
    awaitingPayment([query.placedBy, query.after?.createdAt ?? null, query.after?.id ?? null, query.limit]),
  );
  return rows.map((r) => ({ id: r.id, createdAt: r.created_at }));
}
