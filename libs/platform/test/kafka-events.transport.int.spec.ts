import { randomUUID } from 'node:crypto';
import { Controller, type INestApplication, Module } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CodedError, type EventOf, type EventType, Headers } from '@orderflow/events';
import { type EventConsumer, TransientError } from '@orderflow/messaging';
import type { Pool } from 'pg';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { EFFECTS_DDL } from '../../messaging/test/fixtures/effects';
import { anOrderPlaced } from '../../../test/support/event.factory';
import { EventPublisher } from '../../../test/support/event.publisher';
import { startServiceApp } from '../../../test/support/service-app';
import { type FreshDatabase, freshDatabase } from '../../../test/support/test-database';
import { createTestTopics } from '../../../test/support/test-topics';
import { TopicTail } from '../../../test/support/topic.tail';
import { waitUntil } from '../../../test/support/wait-until';
import { ConsumerGroup, EventContext, PG_POOL, PlatformModule, ServiceEnv, loadServiceConfig } from '../src';

/**
 * A consumer controller of a real Nest app, through KafkaEventsTransport,
 * against the real broker and a fresh database: its `@EventPattern` handler
 * runs in the unit of work's transaction, and what it throws reaches the unit
 * of work as thrown — retried if transient, dead-lettered with its code if not.
 */
const stack = loadStackConfig();
const brokers = [stack.kafka.bootstrap];

type Handle = (event: EventOf<'OrderPlaced'>, ctx: EventContext) => Promise<void>;
/** What the controller's handler does; each test sets its own. */
let handle: Handle;

let db: FreshDatabase;
let publisher: EventPublisher;
type Topics = Awaited<ReturnType<typeof createTestTopics>>;
/** Each test's own source and dead-letter topics: a new group reads its topic from the beginning. */
let topics: Topics;
// Removed only at the end: the publisher fails once a topic it sent to is gone.
const createdTopics: Topics[] = [];
const apps: INestApplication[] = [];
const tails: TopicTail[] = [];

beforeAll(async () => {
  db = await freshDatabase('platform_transport_test', 'payments');
  await db.pool.query(EFFECTS_DDL);
  publisher = await EventPublisher.connect(brokers);
});
beforeEach(async () => {
  topics = await createTestTopics(brokers, [
    { purpose: 'transport-source', partitions: 3 },
    { purpose: 'transport-dlq', partitions: 1 },
  ]);
  createdTopics.push(topics);
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const tail of tails.splice(0)) await tail.stop();
});
afterAll(async () => {
  await publisher?.disconnect();
  await db?.drop();
  for (const created of createdTopics) await created.remove();
});

/** An app whose one controller consumes the source topic as `groupId`, handling OrderPlaced with `handle`. */
async function startConsumerApp(groupId: string): Promise<{ app: INestApplication; consumer: EventConsumer }> {
  @Controller()
  @ConsumerGroup(() => ({
    groupId,
    topics: [topics.names[0]!],
    deadLetterTopic: topics.names[1]!,
    backoff: { initialMs: 20, maxMs: 200 },
    partitionsConsumedConcurrently: 1,
    maxEventsPerTransaction: 20,
  }))
  class EffectsConsumer {
    @EventPattern<EventType>('OrderPlaced')
    onOrderPlaced(@Payload() event: EventOf<'OrderPlaced'>, @Ctx() ctx: EventContext): Promise<void> {
      return handle(event, ctx);
    }
  }
  const config = loadServiceConfig(ServiceEnv, {
    SERVICE_NAME: 'transport-test',
    PORT: '1',
    DATABASE_URL: db.url,
    KAFKA_BROKERS: stack.kafka.bootstrap,
  });
  @Module({ imports: [PlatformModule.forService(config)], controllers: [EffectsConsumer] })
  class ConsumerTestModule {}
  const { app } = await startServiceApp({ module: ConsumerTestModule });
  apps.push(app);
  const [consumer] = app.getMicroservices()[0]!.unwrap<EventConsumer[]>();
  return { app, consumer: consumer! };
}

const tailDeadLetters = async () => {
  const tail = await TopicTail.start(brokers, topics.names[1]!);
  tails.push(tail);
  return tail;
};
const newGroup = () => `test.transport-${randomUUID()}`;
const writeEffect = async (event: EventOf<'OrderPlaced'>, ctx: EventContext): Promise<void> => {
  await ctx
    .getTransaction()
    .query('INSERT INTO effects (event_id, order_id) VALUES ($1, $2)', [event.eventId, event.aggregateId]);
};
const effectsOf = async (eventIds: string[]) => {
  const { rows } = await db.pool.query<{ event_id: string }>(
    'SELECT event_id FROM effects WHERE event_id = ANY($1::uuid[])',
    [eventIds],
  );
  return rows.map((r) => r.event_id);
};
const inboxRows = async (query: Pick<Pool, 'query'>, eventId: string) =>
  (await query.query<{ n: number }>('SELECT count(*)::int AS n FROM processed_events WHERE event_id = $1', [eventId]))
    .rows[0]!.n;

describe('a consumer controller on KafkaEventsTransport', () => {
  it('runs its @EventPattern handler in the transaction that claims the event in the inbox', async () => {
    const event = anOrderPlaced();
    const seen: { inside: number; outside: number; topic: string; offset: string }[] = [];
    handle = async (e, ctx) => {
      // The claim is visible in the handler's transaction, and nowhere else until it commits.
      seen.push({
        inside: await inboxRows(ctx.getTransaction(), e.eventId),
        outside: await inboxRows(db.pool, e.eventId),
        topic: ctx.getTopic(),
        offset: ctx.getOffset(),
      });
      await writeEffect(e, ctx);
    };
    await startConsumerApp(newGroup());

    await publisher.publish(topics.names[0]!, [event]);

    await waitUntil('the event applied', async () => (await effectsOf([event.eventId])).length === 1);
    expect(seen).toEqual([{ inside: 1, outside: 0, topic: topics.names[0], offset: expect.stringMatching(/^\d+$/) }]);
    expect(await inboxRows(db.pool, event.eventId)).toBe(1);
  });

  it('retries a TransientError its handler throws, and applies the event once', async () => {
    const event = anOrderPlaced();
    let failures = 2;
    handle = async (e, ctx) => {
      if (e.eventId === event.eventId && failures-- > 0) throw new TransientError('gateway answered 503');
      await writeEffect(e, ctx);
    };
    const dlq = await tailDeadLetters();
    const { consumer } = await startConsumerApp(newGroup());

    await publisher.publish(topics.names[0]!, [event]);

    await waitUntil('the event applied', async () => (await effectsOf([event.eventId])).length === 1);
    expect(consumer.stats).toMatchObject({ processed: 1, retries: 2, deadLettered: 0 });
    expect(dlq.messages).toEqual([]);
  });

  it('dead-letters, with its code, the event whose handler throws a permanent error; the rest of its run is applied', async () => {
    const key = randomUUID();
    const events = [0, 1, 2].map((i) => anOrderPlaced({ customerId: `c-${i}` }, { aggregateId: key }));
    handle = async (e, ctx) => {
      if (e.payload.customerId === 'c-1') throw new CodedError('CUSTOMER_BLOCKED', 'customer c-1 is blocked');
      await writeEffect(e, ctx);
    };
    const dlq = await tailDeadLetters();
    const { consumer } = await startConsumerApp(newGroup());

    await publisher.publish(topics.names[0]!, events);

    const [letter] = await dlq.waitFor('one dead letter', (ms) => ms.length === 1);
    await waitUntil(
      'the two good events applied',
      async () => (await effectsOf(events.map((e) => e.eventId))).length === 2,
    );
    expect(letter?.headers[Headers.eventId]).toBe(events[1]!.eventId);
    expect(letter?.headers[Headers.deadLetterCode]).toBe('CUSTOMER_BLOCKED');
    expect(letter?.headers[Headers.deadLetterReason]).toContain('customer c-1 is blocked');
    expect(consumer.stats).toMatchObject({ processed: 2, deadLettered: 1, retries: 0 });
  });

  it('on app.close() mid-batch, stops its consumer before the pool closes: the unit in hand commits, nothing is redelivered', async () => {
    const groupId = newGroup();
    const events = Array.from({ length: 200 }, () => anOrderPlaced());
    const ids = events.map((e) => e.eventId);
    handle = async (e, ctx) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await writeEffect(e, ctx);
    };
    const { app, consumer } = await startConsumerApp(groupId);
    // What the pool closing finds: the consumer's state and the app's open transactions.
    const pool = app.get<Pool>(PG_POOL);
    const atPoolEnd: { consumer?: string; openTransactions?: number } = {};
    const end = pool.end.bind(pool);
    pool.end = (async () => {
      atPoolEnd.consumer = consumer.status().state;
      const { rows } = await db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'orderflow' AND xact_start IS NOT NULL`,
      );
      atPoolEnd.openTransactions = rows[0]!.n;
      await end();
    }) as Pool['end'];

    await publisher.publish(topics.names[0]!, events);
    await waitUntil('the first events applied', async () => (await effectsOf(ids)).length > 0);
    await app.close();
    apps.splice(apps.indexOf(app), 1);

    expect(atPoolEnd).toEqual({ consumer: 'stopped', openTransactions: 0 });
    const appliedBeforeStop = (await effectsOf(ids)).length;
    expect(appliedBeforeStop).toBeLessThan(ids.length);

    handle = writeEffect;
    const { consumer: restarted } = await startConsumerApp(groupId);
    await waitUntil('every event applied', async () => (await effectsOf(ids)).length >= ids.length, 30_000);
    const applied = await effectsOf(ids);
    expect(new Set(applied).size).toBe(ids.length);
    expect(applied.length).toBe(ids.length);
    // What the first app applied, it had committed, offsets included: the restart saw no redelivery.
    expect(restarted.stats.duplicates).toBe(0);
  });
});
