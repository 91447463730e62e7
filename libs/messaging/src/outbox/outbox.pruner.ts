import type { Pool } from 'pg';

/**
 * Keeps the outbox table small. Debezium reads inserted rows from the WAL, not
 * from the table, and the publication carries inserts only, so a row can go
 * as soon as its transaction commits; we keep rows for `keepMs` only so a
 * person can still look at recent ones. Given the replication slot, rows that
 * Debezium has not confirmed stay whatever their age: the outbox backlog
 * (readOutboxBacklog) counts them, and a person sees what waits.
 */
export class OutboxPruner {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly pool: Pool,
    private readonly options: { intervalMs: number; keepMs: number; slotName?: string } = {
      intervalMs: 10_000,
      keepMs: 60_000,
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.prune().catch(() => undefined), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Deletes rows older than `keepMs`; returns how many. */
  async prune(): Promise<number> {
    const { keepMs, slotName } = this.options;
    const result = await this.pool.query(
      slotName === undefined
        ? `DELETE FROM outbox WHERE occurredat < now() - $1 * interval '1 millisecond'`
        : `DELETE FROM outbox WHERE occurredat < now() - $1 * interval '1 millisecond'
             AND lsn < (SELECT COALESCE(confirmed_flush_lsn, '0/0') FROM pg_replication_slots WHERE slot_name = $2)`,
      slotName === undefined ? [keepMs] : [keepMs, slotName],
    );
    return result.rowCount ?? 0;
  }
}
