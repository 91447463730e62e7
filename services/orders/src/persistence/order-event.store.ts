import { type Queryable, TransientError, prepared, withOutbox } from '@orderflow/messaging';
import { parseEvent } from '@orderflow/events';
import { type OrderEvent, isOrderEvent } from '../domain/order';

/**
 * Another command appended to the same order first. Transient: loading the
 * stream again and deciding again may well succeed.
 */
export class ConcurrencyConflict extends TransientError {
  constructor(readonly orderId: string) {
    super(`order ${orderId} was changed concurrently`);
    this.name = 'ConcurrencyConflict';
  }
}

const loadStream = prepared(
  'orders.events.load',
  'SELECT envelope FROM order_events WHERE order_id = $1 ORDER BY version',
);
/** The events as `withOutbox` just wrote them to the outbox: each envelope is sent and encoded once. */
const append = prepared(
  'orders.events.append',
  `INSERT INTO order_events (order_id, version, event_id, type, schema_version, occurred_at,
                             correlation_id, causation_id, envelope)
   SELECT aggregateid::uuid, aggregateversion, id, type, schemaversion, occurredat,
          correlationid, causationid, payload
     FROM outbox_rows`,
);

/** An order's events, in version order, at their current schema version. */
export async function loadOrderEvents(db: Queryable, orderId: string): Promise<OrderEvent[]> {
  const { rows } = await db.query<{ envelope: unknown }>(loadStream([orderId]));
  return rows.map((r) => parseEvent(r.envelope)).filter(isOrderEvent);
}

/**
 * Appends events at the versions `decide` gave them, and their outbox rows, in
 * one statement (atomic on its own: a caller needs no transaction for it). No
 * read inside a transaction: the primary key (order_id, version) refuses a
 * version someone else wrote, and that refusal is the concurrency check.
 */
export async function appendOrderEvents(db: Queryable, events: readonly OrderEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    await db.query(withOutbox(append([]), events));
  } catch (error) {
    if ((error as { code?: string; constraint?: string }).constraint === 'order_events_pkey') {
      throw new ConcurrencyConflict(events[0]!.aggregateId);
    }
    throw error;
  }
}
