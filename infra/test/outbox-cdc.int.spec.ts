import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Headers } from '@orderflow/events';
import { loadStackConfig } from '../src/config/stack.config';
import { TopicTail, type TailedMessage } from '../../test/support/topic.tail';
import { createOutboxTestTopic } from '../../test/support/test-topics';

/**
 * The CDC path for real: a row committed to a service's outbox table is read
 * from the WAL by Debezium and routed by the outbox EventRouter to
 * `<aggregatetype>.events`, keyed by the aggregate id, with the event id in the
 * `id` header. The rows use a test aggregate type with a topic of its own, so
 * nothing lands on a service's real event stream.
 */
const config = loadStackConfig();

describe('outbox → Debezium → Kafka', () => {
  let db: Client;
  let tail: TopicTail;
  let target: Awaited<ReturnType<typeof createOutboxTestTopic>>;

  beforeAll(async () => {
    db = new Client({ connectionString: config.postgres.databases.orders.url });
    await db.connect();
    target = await createOutboxTestTopic([config.kafka.bootstrap]);
    tail = await TopicTail.start([config.kafka.bootstrap], target.topic);
  });

  afterAll(async () => {
    await tail.stop();
    await target.remove();
    await db.end();
  });

  const commitOutboxRow = async (row: { id: string; orderId: string; payload: object }) => {
    await db.query('BEGIN');
    await db.query(
      `INSERT INTO outbox (id, aggregatetype, aggregateid, type, schemaversion, aggregateversion, payload)
       VALUES ($1, $2, $3, 'OrderPlaced', 1, 1, $4)`,
      [row.id, target.aggregateType, row.orderId, JSON.stringify(row.payload)],
    );
    await db.query('COMMIT');
  };
  const withId = (id: string) => (m: TailedMessage) => m.headers[Headers.eventId] === id;

  it('relays a committed outbox row to <aggregatetype>.events, keyed by aggregate id, with the event id header', async () => {
    const row = { id: randomUUID(), orderId: randomUUID(), payload: { totalCents: 1250, currency: 'EUR' } };

    await commitOutboxRow(row);

    const [message] = (await tail.waitFor('the outbox row on its topic', (ms) => ms.some(withId(row.id)))).filter(
      withId(row.id),
    );
    expect(message?.key).toBe(row.orderId);
    expect(message?.headers[Headers.eventType]).toBe('OrderPlaced');
    expect(message?.headers[Headers.schemaVersion]).toBe('1');
    expect(JSON.parse(message?.value ?? 'null')).toEqual(row.payload);
  });

  it('keeps two identical transactions as two messages, in commit order, on one partition', async () => {
    const orderId = randomUUID();
    const payload = { totalCents: 990, currency: 'EUR' };
    const first = { id: randomUUID(), orderId, payload };
    const second = { id: randomUUID(), orderId, payload };

    await commitOutboxRow(first);
    await commitOutboxRow(second);

    const both = await tail.waitFor(
      'both rows on the topic',
      (ms) => ms.some(withId(first.id)) && ms.some(withId(second.id)),
    );
    const ofOrder = both.filter((m) => m.key === orderId);
    expect(ofOrder.map((m) => m.headers[Headers.eventId])).toEqual([first.id, second.id]);
    expect(new Set(ofOrder.map((m) => m.partition)).size).toBe(1);
    expect(ofOrder.map((m) => JSON.parse(m.value ?? 'null'))).toEqual([payload, payload]);
  });
});
