import { type Queryable, prepared } from '@orderflow/messaging';
import { type Order, type OrderEvent, type OrderState, fold } from '../domain/order';

/**
 * The read model `orders_view_v1`: each order's folded state, one row. Used
 * by the live projection (a consumer of orders.events) and by replay, with
 * the same code: load the rows of a batch's orders, fold the events newer
 * than each row, write back in one statement. An event at or below a row's
 * version changes nothing, so redelivery and overlapping replays are harmless.
 * A rebuild writes the same shape into a table beside it (`table`).
 */
export const ORDER_VIEW_TABLE = 'orders_view_v1';

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

export async function projectEvents(
  tx: Queryable,
  events: readonly OrderEvent[],
  table = ORDER_VIEW_TABLE,
): Promise<Order[]> {
  if (events.length === 0) return [];
  const byOrder = groupByOrder(events);
  const current = await loadOrderViews(tx, [...byOrder.keys()], table);
  const changed: Order[] = [];
  for (const [orderId, orderEvents] of byOrder) {
    const after = foldNewer(current.get(orderId) ?? { status: 'NONE' }, orderEvents);
    if (after) changed.push(after);
  }
  await writeOrderViews(tx, changed, table);
  return changed;
}

export function groupByOrder(events: readonly OrderEvent[]): Map<string, OrderEvent[]> {
  const byOrder = new Map<string, OrderEvent[]>();
  for (const event of events) {
    const list = byOrder.get(event.aggregateId);
    if (list) list.push(event);
    else byOrder.set(event.aggregateId, [event]);
  }
  return byOrder;
}

/** The state after the events newer than `before`, or undefined when none of them changes it. */
export function foldNewer(before: OrderState, events: readonly OrderEvent[]): Order | undefined {
  const since = before.status === 'NONE' ? 0 : before.version;
  const after = fold(
    events.filter((e) => e.aggregateVersion > since),
    before,
  );
  return after.status !== 'NONE' && after.version > since ? after : undefined;
}

export async function loadOrderViews(
  tx: Queryable,
  orderIds: readonly string[],
  table = ORDER_VIEW_TABLE,
): Promise<Map<string, Order>> {
  if (orderIds.length === 0) return new Map();
  const { rows } = await tx.query<OrderViewRow>(statementsOf(table).load([orderIds]));
  return new Map(rows.map((r) => [r.id, toOrder(r)]));
}

/** The table's columns, their types, and an order as a row in that order. */
const COLUMNS = [
  ['id', 'uuid'],
  ['status', 'text'],
  ['customer_id', 'text'],
  ['customer_email', 'text'],
  ['currency', 'text'],
  ['items', 'jsonb'],
  ['total_cents', 'bigint'],
  ['paid', 'boolean'],
  ['cancellation_cause', 'text'],
  ['cancellation_reason', 'text'],
  ['version', 'int'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
] as const;
export const ORDER_VIEW_COLUMNS = COLUMNS.map(([name]) => name).join(', ');

export const orderViewRow = (o: Order): (string | number | boolean | null)[] => [
  o.id,
  o.status,
  o.customerId,
  o.customerEmail,
  o.currency,
  JSON.stringify(o.items),
  o.totalCents,
  o.paid,
  o.cancellation?.cause ?? null,
  o.cancellation?.reason ?? null,
  o.version,
  o.createdAt,
  o.updatedAt,
];

/** Appended to an INSERT into the view: a row already at a newer version is left alone. */
const NEWER_VERSION_WINS = `ON CONFLICT (id) DO UPDATE SET
  status = EXCLUDED.status, paid = EXCLUDED.paid, cancellation_cause = EXCLUDED.cancellation_cause,
  cancellation_reason = EXCLUDED.cancellation_reason, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
  WHERE v.version < EXCLUDED.version`;

/** One statement for the whole batch. */
export async function writeOrderViews(
  tx: Queryable,
  orders: readonly Order[],
  table = ORDER_VIEW_TABLE,
): Promise<void> {
  if (orders.length === 0) return;
  const rows = orders.map(orderViewRow);
  await tx.query(statementsOf(table).write(COLUMNS.map((_, i) => rows.map((row) => row[i]))));
}

/** The live table's statements and a rebuild's, each built once. */
const statements = new Map<string, ReturnType<typeof statementsFor>>();
const statementsOf = (table: string) => {
  let found = statements.get(table);
  if (!found) statements.set(table, (found = statementsFor(table)));
  return found;
};
const statementsFor = (table: string) => ({
  load: prepared(`orders.view.load.${table}`, `SELECT * FROM ${table} WHERE id = ANY($1::uuid[])`),
  write: prepared(
    `orders.view.write.${table}`,
    `INSERT INTO ${table} AS v (${ORDER_VIEW_COLUMNS})
     SELECT * FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
     ${NEWER_VERSION_WINS}`,
  ),
});
