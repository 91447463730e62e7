import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { Headers } from '@orderflow/events';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { anOrderPlaced } from '../../../test/support/event.factory';
import { createOutboxTestTopic } from '../../../test/support/test-topics';
import { type FreshDatabase, freshDatabase } from '../../../test/support/test-database';
import { TopicTail } from '../../../test/support/topic.tail';
import { OutboxPruner, inTransaction, prepared, readOutboxBacklog, withOutbox, writeToOutbox } from '../src';

/**
 * The outbox writer against the orders database and the real Debezium
 * connector. Events carry a test aggregate type with its own topic, so the
 * orders stream stays clean.
 */
const config = loadStackConfig();

describe('outbox writer', () => {
  const pool = new Pool({ connectionString: config.postgres.databases.orders.url, max: 2 });
  let tail: TopicTail;
  let target: Awaited<ReturnType<typeof createOutboxTestTopic>>;
  const anEvent = (overrides: Parameters<typeof anOrderPlaced>[1] = {}) =>
    anOrderPlaced({}, { aggregateType: target.aggregateType, ...overrides });

  beforeAll(async () => {
    target = await createOutboxTestTopic([config.kafka.bootstrap]);
    tail = await TopicTail.start([config.kafka.bootstrap], target.topic);
  });
  afterAll(async () => {
    await tail.stop();
    await target.remove();
    await pool.end();
  });

  it('publishes the events of a committed transaction, keyed by aggregate id, with the envelope in headers', async () => {
    const orderId = randomUUID();
    const placed = anEvent({ aggregateId: orderId, causationId: randomUUID() });
    const second = anEvent({ aggregateId: orderId, aggregateVersion: 2 });

    await inTransaction(pool, (tx) => writeToOutbox(tx, [placed, second]));

    const messages = await tail.waitFor('both events', (ms) => ms.filter((m) => m.key === orderId).length === 2);
    const ofOrder = messages.filter((m) => m.key === orderId);
    expect(ofOrder.map((m) => JSON.parse(m.value ?? 'null'))).toEqual([placed, second]);
    expect(ofOrder[0]?.headers).toMatchObject({
      [Headers.eventId]: placed.eventId,
      [Headers.eventType]: 'OrderPlaced',
      [Headers.schemaVersion]: '1',
      [Headers.aggregateVersion]: '1',
      [Headers.correlationId]: placed.correlationId,
      [Headers.causationId]: placed.causationId,
    });
    expect(ofOrder[1]?.headers[Headers.aggregateVersion]).toBe('2');
  });

  it('publishes nothing from a transaction that rolled back', async () => {
    const rolledBack = anEvent();
    const committed = anEvent();

    await expect(
      inTransaction(pool, async (tx) => {
        await writeToOutbox(tx, [rolledBack]);
        throw new Error('the state change failed');
      }),
    ).rejects.toThrow('the state change failed');
    await inTransaction(pool, (tx) => writeToOutbox(tx, [committed]));

    const messages = await tail.waitFor('the committed event', (ms) => ms.some((m) => m.key === committed.aggregateId));
    expect(messages.some((m) => m.key === rolledBack.aggregateId)).toBe(false);
  });

  it('writes a state change and its events in one statement, and neither when that statement fails', async () => {
    await pool.query('CREATE TABLE IF NOT EXISTS outbox_state_test (id uuid PRIMARY KEY)');
    const insertState = prepared('test.outbox-state.insert', 'INSERT INTO outbox_state_test (id) VALUES ($1)');
    const id = randomUUID();
    const first = anEvent({ aggregateId: id });
    const refused = anEvent({ aggregateId: id, aggregateVersion: 2 });

    // Outside any transaction: the one statement is its own.
    await pool.query(withOutbox(insertState([id]), [first]));
    await expect(pool.query(withOutbox(insertState([id]), [refused]))).rejects.toMatchObject({ code: '23505' });

    const { rows } = await pool.query<{ id: string }>('SELECT id FROM outbox WHERE id = ANY($1::uuid[])', [
      [first.eventId, refused.eventId],
    ]);
    expect(rows.map((r) => r.id)).toEqual([first.eventId]);
    const messages = await tail.waitFor('the first event', (ms) => ms.some((m) => m.key === id));
    expect(JSON.parse(messages.find((m) => m.key === id)?.value ?? 'null')).toEqual(first);
    await pool.query('DROP TABLE outbox_state_test');
  });

  it('prunes captured rows from the table without unpublishing them', async () => {
    const event = anEvent({ occurredAt: new Date(Date.now() - 120_000).toISOString() });
    await inTransaction(pool, (tx) => writeToOutbox(tx, [event]));

    const pruned = await new OutboxPruner(pool, { intervalMs: 1_000, keepMs: 60_000 }).prune();

    expect(pruned).toBeGreaterThanOrEqual(1);
    const { rowCount } = await pool.query('SELECT 1 FROM outbox WHERE id = $1', [event.eventId]);
    expect(rowCount).toBe(0);
    await tail.waitFor('the pruned event on the topic', (ms) => ms.some((m) => m.key === event.aggregateId));
  });
});

/**
 * The backlog: rows written after the replication slot's confirmed position.
 * A slot of this test's own, on a throw-away database, stands for Debezium's:
 * advancing it is what Debezium's confirmation does.
 */
describe('outbox backlog', () => {
  const slot = `outbox_backlog_${process.pid}`;
  let db: FreshDatabase;
  const backlog = () => readOutboxBacklog(db.pool, slot);
  const confirmEverything = () => db.pool.query('SELECT pg_replication_slot_advance($1, pg_current_wal_lsn())', [slot]);

  beforeAll(async () => {
    db = await freshDatabase('outbox_backlog_test', 'orders');
    await db.pool.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
  });
  afterAll(async () => {
    await db.pool.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
    await db.drop();
  });

  it('is unknown without the slot', async () => {
    expect(await readOutboxBacklog(db.pool, 'no_such_slot')).toBeUndefined();
  });

  it('counts the rows not confirmed yet and the age of the oldest, and none once the slot confirmed them', async () => {
    await confirmEverything();
    expect(await backlog()).toEqual({ rows: 0, oldestSeconds: 0 });

    const old = anOrderPlaced({}, { occurredAt: new Date(Date.now() - 90_000).toISOString() });
    await inTransaction(db.pool, (tx) => writeToOutbox(tx, [old, anOrderPlaced()]));
    const waiting = await backlog();
    expect(waiting?.rows).toBe(2);
    expect(waiting?.oldestSeconds).toBeGreaterThanOrEqual(90);

    await confirmEverything();
    expect(await backlog()).toEqual({ rows: 0, oldestSeconds: 0 });
  });

  it('keeps rows the slot has not confirmed, whatever their age, and prunes them once it has', async () => {
    const old = anOrderPlaced({}, { occurredAt: new Date(Date.now() - 120_000).toISOString() });
    await inTransaction(db.pool, (tx) => writeToOutbox(tx, [old]));
    const pruner = new OutboxPruner(db.pool, { intervalMs: 1_000, keepMs: 60_000, slotName: slot });

    await pruner.prune();
    expect((await db.pool.query('SELECT 1 FROM outbox WHERE id = $1', [old.eventId])).rowCount).toBe(1);

    await confirmEverything();
    expect(await pruner.prune()).toBe(1);
    expect((await db.pool.query('SELECT 1 FROM outbox WHERE id = $1', [old.eventId])).rowCount).toBe(0);
  });
});
