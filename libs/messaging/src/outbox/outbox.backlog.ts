import type { Queryable } from '../db/transaction';

export interface OutboxBacklog {
  /** Rows Debezium has not confirmed yet (written after its slot's confirmed position). */
  rows: number;
  /** Age of the oldest of them (its event's occurredAt), 0 when there are none. */
  oldestSeconds: number;
}

/**
 * The outbox rows not yet relayed, from the row's WAL position and the
 * replication slot's confirmed one: a row's `lsn` is where the WAL stood when
 * it was inserted, at or before its own record, so it is relayed once the
 * slot confirmed a position past it (a record starting at the confirmed
 * position itself is not confirmed yet). Debezium confirms a position after
 * Connect flushes its offsets (every 5 s in the stack), so a row reads as
 * waiting for up to that long after it reached Kafka. `undefined` when the
 * slot does not exist (no connector registered yet).
 */
export async function readOutboxBacklog(db: Queryable, slotName: string): Promise<OutboxBacklog | undefined> {
  const { rows } = await db.query<{ slot: string | null; rows: number; oldest: number | null }>(
    `SELECT slot.confirmed_flush_lsn::text AS slot, count(outbox.id)::int AS rows,
            extract(epoch FROM now() - min(outbox.occurredat))::float8 AS oldest
       FROM (SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = $1) AS slot
       LEFT JOIN outbox ON outbox.lsn >= COALESCE(slot.confirmed_flush_lsn, '0/0')
      GROUP BY slot.confirmed_flush_lsn`,
    [slotName],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { rows: row.rows, oldestSeconds: Math.max(0, row.oldest ?? 0) };
}
