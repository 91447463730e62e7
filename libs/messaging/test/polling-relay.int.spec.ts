import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { Headers } from '@orderflow/events';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { anOrderPlaced } from '../../../test/support/event.factory';
import { freshDatabase } from '../../../test/support/test-database';
import { createOutboxTestTopic } from '../../../test/support/test-topics';
import { TopicTail } from '../../../test/support/topic.tail';
import { PollingOutboxRelay, createKafka, inTransaction, writeToOutbox } from '../src';

/**
 * The polling relay against the real broker and a throw-away database that no
 * Debezium connector watches: what it publishes looks as Debezium's would.
 */
const config = loadStackConfig();
const brokers = [config.kafka.bootstrap];

describe('polling outbox relay', () => {
  let db: { url: string; pool: Pool };
  let target: Awaited<ReturnType<typeof createOutboxTestTopic>>;
  let tail: TopicTail;
  const producer = createKafka('test-relay', brokers, { logLevel: 'nothing' }).safeProducer();

  beforeAll(async () => {
    db = await freshDatabase('polling_relay_test', 'orders');
    target = await createOutboxTestTopic(brokers);
    tail = await TopicTail.start(brokers, target.topic);
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await tail.stop();
    await target.remove();
    await db.pool.end();
  });

  it('publishes committed rows in order per aggregate, keyed and with headers as Debezium does, then deletes them', async () => {
    const orderId = randomUUID();
    const events = [1, 2, 3].map((version) =>
      anOrderPlaced(
        {},
        {
          aggregateType: target.aggregateType,
          aggregateId: orderId,
          aggregateVersion: version,
          causationId: randomUUID(),
        },
      ),
    );
    for (const event of events) await inTransaction(db.pool, (tx) => writeToOutbox(tx, [event]));
    const relay = new PollingOutboxRelay(db.pool, producer, { batchSize: 2, idleMs: 10 });

    relay.start();
    const messages = await tail.waitFor('three events', (ms) => ms.filter((m) => m.key === orderId).length === 3);
    await relay.stop();

    const ofOrder = messages.filter((m) => m.key === orderId);
    expect(ofOrder.map((m) => JSON.parse(m.value ?? 'null'))).toEqual(events);
    expect(ofOrder[0]?.headers).toMatchObject({
      [Headers.eventId]: events[0]!.eventId,
      [Headers.eventType]: 'OrderPlaced',
      [Headers.schemaVersion]: '1',
      [Headers.aggregateVersion]: '1',
      [Headers.correlationId]: events[0]!.correlationId,
      [Headers.causationId]: events[0]!.causationId,
    });
    expect(new Set(ofOrder.map((m) => m.partition)).size).toBe(1);
    const { rowCount } = await db.pool.query('SELECT 1 FROM outbox');
    expect(rowCount).toBe(0);
  });

  it('publishes nothing and keeps the rows when the send fails', async () => {
    const event = anOrderPlaced({}, { aggregateType: 'test.cdc.no-such-topic' });
    await inTransaction(db.pool, (tx) => writeToOutbox(tx, [event]));
    const failing = createKafka('test-relay-down', ['127.0.0.1:1'], {
      logLevel: 'nothing',
      probe: true,
    }).safeProducer();

    await expect(new PollingOutboxRelay(db.pool, failing, { batchSize: 10, idleMs: 10 }).relayOnce()).rejects.toThrow();

    const { rows } = await db.pool.query<{ id: string }>('SELECT id FROM outbox');
    expect(rows.map((r) => r.id)).toEqual([event.eventId]);
  });
});
