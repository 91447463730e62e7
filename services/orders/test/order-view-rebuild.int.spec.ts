import { randomUUID } from 'node:crypto';
import { parseEvent } from '@orderflow/events';
import type { Pool } from 'pg';
import { anEnvelope, anOrderPlaced } from '../../../test/support/event.factory';
import { freshDatabase } from '../../../test/support/test-database';
import type { OrderEvent } from '../src/domain/order';
import { loadOrderViews, projectEvents } from '../src/projections/order-view.projection';
import { OrderViewRebuild, REBUILD_TABLE } from '../src/projections/order-view.rebuild';

/** The blue/green rebuild of orders_view_v1 against a real database (a throw-away one). */
let db: { url: string; pool: Pool };
beforeAll(async () => {
  db = await freshDatabase('orders_rebuild_test', 'orders');
});
afterAll(() => db.pool.end());

const placed = (orderId: string) => parseEvent(anOrderPlaced({}, { aggregateId: orderId })) as OrderEvent;
const confirmed = (orderId: string) =>
  parseEvent(
    anEnvelope(
      'OrderConfirmed',
      1,
      'orders',
      { paymentEventId: randomUUID() },
      { aggregateId: orderId, aggregateVersion: 2 },
    ),
  ) as OrderEvent;
const cancelled = (orderId: string, version: number) =>
  parseEvent(
    anEnvelope(
      'OrderCancelled',
      1,
      'orders',
      { cause: 'CUSTOMER_REQUEST', reason: 'changed my mind', wasPaid: false },
      { aggregateId: orderId, aggregateVersion: version },
    ),
  ) as OrderEvent;

describe('rebuilding the read model beside the live table', () => {
  it('swaps in the folded state, with what arrived meanwhile, the table’s indexes and durability', async () => {
    const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    // Given a live table with a wrong row (what a rebuild is for).
    await projectEvents(db.pool, [placed(a), cancelled(a, 2)]);

    // When rebuilt with tiny generations, so orders span flushes and come back after them:
    const rebuild = await OrderViewRebuild.start(db.pool, 2);
    await rebuild.apply([placed(a), placed(b)]);
    await rebuild.apply([placed(c), confirmed(a)]);
    await rebuild.apply([placed(d)]);
    await rebuild.apply([placed(b)]); // redelivered first event of an order already written
    await rebuild.swap(async (tx) => {
      await projectEvents(tx, [cancelled(b, 2)], REBUILD_TABLE);
    });

    // Then
    const views = await loadOrderViews(db.pool, [a, b, c, d]);
    expect([a, b, c, d].map((id) => [views.get(id)?.status, views.get(id)?.version])).toEqual([
      ['CONFIRMED', 2],
      ['CANCELLED', 2],
      ['PENDING_PAYMENT', 1],
      ['PENDING_PAYMENT', 1],
    ]);
    const { rows: indexes } = await db.pool.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE tablename = 'orders_view_v1' ORDER BY indexname",
    );
    expect(indexes.map((i) => i.indexname)).toEqual([
      'orders_view_v1_customer_page',
      'orders_view_v1_page',
      'orders_view_v1_pkey',
      'orders_view_v1_status_page',
    ]);
    const { rows: tables } = await db.pool.query<{ relname: string; relpersistence: string }>(
      "SELECT relname, relpersistence FROM pg_class WHERE relname LIKE 'orders_view_v1%' AND relkind = 'r'",
    );
    expect(tables).toEqual([{ relname: 'orders_view_v1', relpersistence: 'p' }]);
  });

  it('runs one rebuild at a time', async () => {
    const first = await OrderViewRebuild.start(db.pool);
    await expect(OrderViewRebuild.start(db.pool)).rejects.toThrow('another rebuild of orders_view_v1 is running');
    await first.abandon();
    await (await OrderViewRebuild.start(db.pool)).abandon();
  });

  it('leaves the live table alone when abandoned', async () => {
    const a = randomUUID();
    await projectEvents(db.pool, [placed(a)]);
    const rebuild = await OrderViewRebuild.start(db.pool);
    await rebuild.apply([placed(a), confirmed(a)]);
    await rebuild.abandon();

    expect((await loadOrderViews(db.pool, [a])).get(a)?.status).toBe('PENDING_PAYMENT');
    const { rowCount } = await db.pool.query("SELECT 1 FROM pg_class WHERE relname = 'orders_view_v1_rebuild'");
    expect(rowCount).toBe(0);
  });
});
