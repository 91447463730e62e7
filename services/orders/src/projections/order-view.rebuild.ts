import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inTransaction } from '@orderflow/messaging';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Order, OrderEvent } from '../domain/order';
import {
  ORDER_VIEW_COLUMNS,
  ORDER_VIEW_TABLE,
  foldNewer,
  groupByOrder,
  loadOrderViews,
  orderViewRow,
  writeOrderViews,
} from './order-view.projection';

export const REBUILD_TABLE = `${ORDER_VIEW_TABLE}_rebuild`;

/**
 * A from-the-beginning rebuild of the read model beside the live table
 * (blue/green), so the service keeps answering from the old rows meanwhile
 * and a failed rebuild leaves them untouched:
 *
 *   1. `start`   a copy of the table with its primary key only: no
 *                secondary-index upkeep per row.
 *   2. `apply`   folds events in memory and writes each order once per flush,
 *                instead of a read and a write per batch, through COPY (one
 *                stream instead of thirteen array parameters to encode and
 *                parse).
 *   3. `swap`    builds the secondary indexes from the live table's own
 *                definitions, then — holding a lock that stops the live
 *                projection's writes — lets the caller catch up with what
 *                arrived meanwhile and puts the new table in the old one's
 *                place, in one transaction.
 *
 * Memory stays bounded: at most three generations of folded orders
 * (`flushAt` each): two being written and one being filled. An event for an
 * order in none of them is folded onto its row, read back from the new table.
 */
export class OrderViewRebuild {
  private current = new Map<string, Order>();
  /** Orders of `current` that an earlier flush already wrote: they need an upsert, not a plain insert. */
  private rewritten = new Set<string>();
  /** Generations being written, oldest first: what they hold is not yet readable from the table. */
  private writing: { orders: Map<string, Order>; done: Promise<void> }[] = [];
  /** The first write that failed: every later flush and the swap throw it. */
  private failed?: unknown;

  private constructor(
    private readonly pool: Pool,
    private readonly flushAt: number,
    /** Holds the advisory lock that makes this the only rebuild. */
    private guard?: PoolClient,
  ) {}

  static async start(pool: Pool, flushAt = 20_000): Promise<OrderViewRebuild> {
    // One rebuild at a time: the table beside the live one has a single name.
    const guard = await pool.connect();
    const { rows } = await guard.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
      REBUILD_TABLE,
    ]);
    if (!rows[0]?.locked) {
      guard.release();
      throw new Error(`another rebuild of ${ORDER_VIEW_TABLE} is running`);
    }
    const rebuild = new OrderViewRebuild(pool, flushAt, guard);
    try {
      await rebuild.createTable();
    } catch (error) {
      await rebuild.release();
      throw error;
    }
    return rebuild;
  }

  private async createTable(): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${REBUILD_TABLE}`);
    await this.pool.query(
      `CREATE TABLE ${REBUILD_TABLE} (LIKE ${ORDER_VIEW_TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
    );
    await this.pool.query(`ALTER TABLE ${REBUILD_TABLE} ADD CONSTRAINT ${REBUILD_TABLE}_pkey PRIMARY KEY (id)`);
  }

  private async release(): Promise<void> {
    const guard = this.guard;
    this.guard = undefined;
    if (!guard) return;
    await guard.query('SELECT pg_advisory_unlock(hashtext($1))', [REBUILD_TABLE]).catch(() => undefined);
    guard.release();
  }

  async apply(events: readonly OrderEvent[]): Promise<void> {
    const byOrder = groupByOrder(events);
    // Where each order's fold starts: in memory, in a generation being written, or (read back) in the table.
    const earlier = new Map<string, Order>();
    const unknown: string[] = [];
    for (const [id, list] of byOrder) {
      if (this.current.has(id)) continue;
      const written = this.beingWritten(id);
      if (written) earlier.set(id, written);
      else if (list[0]!.aggregateVersion > 1) unknown.push(id);
    }
    for (const [id, order] of await loadOrderViews(this.pool, unknown, REBUILD_TABLE)) earlier.set(id, order);
    for (const [id, list] of byOrder) {
      const before = earlier.get(id);
      const after = foldNewer(this.current.get(id) ?? before ?? { status: 'NONE' }, list);
      if (!after) continue;
      this.current.set(id, after);
      if (before) this.rewritten.add(id);
    }
    if (this.current.size >= this.flushAt) await this.flush();
  }

  /** The newest state of an order in a generation still being written. */
  private beingWritten(id: string): Order | undefined {
    for (let i = this.writing.length - 1; i >= 0; i -= 1) {
      const order = this.writing[i]!.orders.get(id);
      if (order) return order;
    }
    return undefined;
  }

  /**
   * Starts writing what is folded in memory and returns: folding goes on
   * while Postgres writes. At most two generations are being written, so a
   * slow database holds the reader back instead of memory growing (a second
   * write lets the reader go on while the first commits; two writes of one
   * order end right either way, by the upsert's version guard).
   * `until: 'written'` waits for every write.
   */
  async flush(until: 'started' | 'written' = 'started'): Promise<void> {
    // Several partitions flush; checked again after every wake-up.
    while (this.writing.length >= MAX_WRITES_IN_FLIGHT) await this.writing[0]!.done;
    if (this.failed) throw this.failed;
    if (this.current.size > 0) {
      const generation = { orders: this.current, done: this.write(this.current, this.rewritten) };
      this.current = new Map();
      this.rewritten = new Set();
      this.writing.push(generation);
      const settled = () => {
        this.writing = this.writing.filter((g) => g !== generation);
      };
      generation.done.then(settled, (error: unknown) => {
        this.failed ??= error;
        settled();
      });
    }
    if (until === 'written') while (this.writing.length > 0) await this.writing[0]!.done;
    if (this.failed) throw this.failed;
  }

  /**
   * New rows through COPY, rows an earlier flush wrote through the upsert.
   * An order redelivered from its first event is new to memory but not to the
   * table: the COPY then fails on the key, and the whole generation goes
   * through the upsert instead.
   */
  private async write(orders: Map<string, Order>, rewritten: Set<string>): Promise<void> {
    const fresh = [...orders.values()].filter((order) => !rewritten.has(order.id));
    try {
      await inTransaction(this.pool, async (tx) => {
        await pipeline(
          Readable.from([fresh.map((order) => `${orderViewRow(order).map(csvField).join(',')}\n`).join('')]),
          tx.query(copyFrom(`COPY ${REBUILD_TABLE} (${ORDER_VIEW_COLUMNS}) FROM STDIN (FORMAT csv)`)),
        );
        await writeOrderViews(
          tx,
          [...rewritten].map((id) => orders.get(id)!),
          REBUILD_TABLE,
        );
      });
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      await inTransaction(this.pool, (tx) => writeOrderViews(tx, [...orders.values()], REBUILD_TABLE));
    }
  }

  /**
   * The secondary indexes, then the swap. `catchUp` runs inside the swap's
   * transaction with the live table locked against writes; it folds whatever
   * reached the topic since the rebuild's end offsets into REBUILD_TABLE.
   */
  async swap(catchUp: (tx: PoolClient) => Promise<void>): Promise<void> {
    await this.flush('written');
    const { rows: indexes } = await this.pool.query<{ name: string; definition: string }>(
      `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = $1 AND indexname <> $2`,
      [ORDER_VIEW_TABLE, `${ORDER_VIEW_TABLE}_pkey`],
    );
    // Side by side, one connection each: a sorted build per index beats upkeep per row.
    await Promise.all(
      indexes.map(({ name, definition }) => {
        // e.g. "CREATE INDEX orders_view_v1_page ON public.orders_view_v1 USING btree (created_at, id)"
        const onRebuild = definition
          .replace(`INDEX ${name} ON `, `INDEX ${name}_rebuild ON `)
          .replace(new RegExp(` ON (\\S+\\.)?${ORDER_VIEW_TABLE} `), ` ON $1${REBUILD_TABLE} `);
        return this.pool.query(`SET maintenance_work_mem = '256MB'; ${onRebuild}`);
      }),
    );

    await inTransaction(this.pool, async (tx) => {
      // Reads go on; the live projection's writes wait, then land in the new table
      // (Postgres resolves a table name again after waiting for its lock).
      await tx.query(`LOCK TABLE ${ORDER_VIEW_TABLE} IN EXCLUSIVE MODE`);
      await catchUp(tx);
      await tx.query(`DROP TABLE ${ORDER_VIEW_TABLE}`);
      await tx.query(`ALTER TABLE ${REBUILD_TABLE} RENAME TO ${ORDER_VIEW_TABLE}`);
      await tx.query(
        `ALTER TABLE ${ORDER_VIEW_TABLE} RENAME CONSTRAINT ${REBUILD_TABLE}_pkey TO ${ORDER_VIEW_TABLE}_pkey`,
      );
      for (const { name } of indexes) await tx.query(`ALTER INDEX ${name}_rebuild RENAME TO ${name}`);
    });
    await this.release();
  }

  async abandon(): Promise<void> {
    await Promise.allSettled(this.writing.map((g) => g.done));
    await this.pool.query(`DROP TABLE IF EXISTS ${REBUILD_TABLE}`);
    await this.release();
  }
}

const UNIQUE_VIOLATION = '23505';
const MAX_WRITES_IN_FLIGHT = 2;

/** CSV as COPY reads it: an unquoted empty field is NULL, anything else quoted (quotes doubled). */
const csvField = (value: string | number | boolean | null) => {
  if (value === null) return '';
  const text = String(value);
  return `"${text.includes('"') ? text.replace(/"/g, '""') : text}"`;
};
