import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { Headers } from '@orderflow/events';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { anOrderPlaced } from '../../../test/support/event.factory';
import { createOutboxTestTopic } from '../../../test/support/test-topics';
import { TopicTail } from '../../../test/support/topic.tail';
import { OutboxPruner, inTransaction, prepared, withOutbox, writeToOutbox } from '../src';

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
