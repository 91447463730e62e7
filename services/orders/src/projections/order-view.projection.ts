import type { Queryable } from '@orderflow/messaging';
import { type Order, type OrderEvent, type OrderState, fold } from '../domain/order';

/**
 * The read model `orders_view_v1`: each order's folded state, one row. Used
 * by the live projection (a consumer of orders.events) and by replay, with
 * the same code: load the rows of a batch's orders, fold the events newer
 * than each row, write back in one statement. An event at or below a row's
 * version changes nothing, so redelivery and overlapping replays are harmless.
 */
export interface OrderViewRow {
  id: string;
  status: Order['status'];
  customer_id: string;
  customer_email: string;
  currency: string;
  items: Order['items'];
  total_cents: string | number;
  paid: boolean;
  cancellation_cause: NonNullable<Order['cancellation']>['cause'] | null;
  cancellation_reason: string | null;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const iso = (value: Date | string) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString());

export const toOrder = (row: OrderViewRow): Order => ({
  id: row.id,
  status: row.status,
  customerId: row.customer_id,
  customerEmail: row.customer_email,
  currency: row.currency,
  items: row.items,
  totalCents: Number(row.total_cents),
  paid: row.paid,
  ...(row.cancellation_cause && row.cancellation_reason
    ? { cancellation: { cause: row.cancellation_cause, reason: row.cancellation_reason } }
    : {}),
  version: row.version,
  createdAt: iso(row.created_at),
  updatedAt: iso(row.updated_at),
});

export async function projectEvents(tx: Queryable, events: readonly OrderEvent[]): Promise<Order[]> {
  if (events.length === 0) return [];
  const byOrder = new Map<string, OrderEvent[]>();
  for (const event of events) byOrder.set(event.aggregateId, [...(byOrder.get(event.aggregateId) ?? []), event]);

  const { rows } = await tx.query<OrderViewRow>('SELECT * FROM orders_view_v1 WHERE id = ANY($1::uuid[])', [
    [...byOrder.keys()],
  ]);
  const current = new Map(rows.map((r) => [r.id, toOrder(r)]));

  const changed: Order[] = [];
  for (const [orderId, orderEvents] of byOrder) {
    const before: OrderState = current.get(orderId) ?? { status: 'NONE' };
    const since = before.status === 'NONE' ? 0 : before.version;
    const after = fold(
      orderEvents.filter((e) => e.aggregateVersion > since),
      before,
    );
    if (after.status !== 'NONE' && after.version > since) changed.push(after);
  }
  await upsert(tx, changed);
  return changed;
}

async function upsert(tx: Queryable, orders: readonly Order[]): Promise<void> {
  if (orders.length === 0) return;
  await tx.query(
    `INSERT INTO orders_view_v1 AS v (id, status, customer_id, customer_email, currency, items, total_cents, paid,
                                     cancellation_cause, cancellation_reason, version, created_at, updated_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::bigint[],
                          $8::boolean[], $9::text[], $10::text[], $11::int[], $12::timestamptz[], $13::timestamptz[])
     ON CONFLICT (id) DO UPDATE SET
       status = EXCLUDED.status, paid = EXCLUDED.paid, cancellation_cause = EXCLUDED.cancellation_cause,
       cancellation_reason = EXCLUDED.cancellation_reason, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
     WHERE v.version < EXCLUDED.version`,
    [
      orders.map((o) => o.id),
      orders.map((o) => o.status),
      orders.map((o) => o.customerId),
      orders.map((o) => o.customerEmail),
      orders.map((o) => o.currency),
      orders.map((o) => JSON.stringify(o.items)),
      orders.map((o) => o.totalCents),
      orders.map((o) => o.paid),
      orders.map((o) => o.cancellation?.cause ?? null),
      orders.map((o) => o.cancellation?.reason ?? null),
      orders.map((o) => o.version),
      orders.map((o) => o.createdAt),
      orders.map((o) => o.updatedAt),
    ],
  );
}
