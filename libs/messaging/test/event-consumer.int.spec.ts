import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Pool } from 'pg';
import { type AnyEnvelope, Headers } from '@orderflow/events';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { anEnvelope, anOrderPlaced } from '../../../test/support/event.factory';
import { freshDatabase } from '../../../test/support/test-database';
import { createTestTopics } from '../../../test/support/test-topics';
import { TcpProxy } from '../../../test/support/tcp.proxy';
import { TopicTail } from '../../../test/support/topic.tail';
import { waitUntil } from '../../../test/support/wait-until';
import {
  type BatchHandler,
  EventConsumer,
  type EventConsumerOptions,
  type EventHandlers,
  type RecordProducer,
  TransientError,
  createKafka,
} from '../src';
import { EFFECTS_DDL, recordEffects } from './fixtures/effects';

/**
 * The consumer runtime against the real broker and Postgres: each test gets
 * its own topics, consumer group and a fresh database with the services'
 * inbox table and an `effects` table the handlers write to.
 */
const config = loadStackConfig();
const brokers = [config.kafka.bootstrap];
const repoRoot = path.resolve(__dirname, '..', '..', '..');

let db: { url: string; pool: Pool };
const kafka = createKafka('test-event-consumer', brokers, { logLevel: 'nothing' });
let producer: RecordProducer;
// Deleted only at the end: the producer keeps refreshing metadata for every
// topic it ever sent to, and fails once one of them is gone.
const createdTopics: Topics[] = [];

beforeAll(async () => {
  db = await freshDatabase('messaging_test', 'orders');
  await db.pool.query(EFFECTS_DDL);
  producer = kafka.safeProducer();
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
  await db.pool.end();
  for (const topics of createdTopics) await topics.remove();
});

interface Topics {
  source: string;
  dlq: string;
  remove: () => Promise<void>;
}
const newTopics = async (partitions = 3): Promise<Topics> => {
  const { names, remove } = await createTestTopics(brokers, [
    { purpose: 'source', partitions },
    { purpose: 'dlq', partitions: 1 },
  ]);
  const topics = { source: names[0]!, dlq: names[1]!, remove };
  createdTopics.push(topics);
  return topics;
};

const send = async (
  topic: string,
  messages: { key: string; value: string | null; headers?: Record<string, string>; partition?: number }[],
) => producer.send(topic, messages);
const asMessage = (event: AnyEnvelope) => ({
  key: event.aggregateId,
  value: JSON.stringify(event),
  headers: { [Headers.eventId]: event.eventId, [Headers.eventType]: event.type },
});

const effectsOf = async (eventIds: string[]) => {
  const { rows } = await db.pool.query<{ event_id: string }>(
    'SELECT event_id FROM effects WHERE event_id = ANY($1::uuid[])',
    [eventIds],
  );
  return rows.map((r) => r.event_id);
};

let groupCounter = 0;
const startConsumer = async (
  topics: Topics,
  handlers: EventHandlers | BatchHandler = recordEffects(),
  groupId?: string,
  options: Partial<EventConsumerOptions> = {},
) => {
  const consumer = new EventConsumer({
    groupId: groupId ?? `test.consumer-${process.pid}-${(groupCounter += 1)}`,
    topics: [topics.source],
    deadLetterTopic: topics.dlq,
    ...('handle' in handlers ? { batchHandler: handlers as BatchHandler } : { handlers }),
    pool: db.pool,
    kafka: createKafka('test-consumer', brokers),
    backoff: { initialMs: 20, maxMs: 200 },
    sessionTimeoutMs: 6_000,
    ...options,
  });
  await consumer.start();
  return consumer;
};

/** Consumers a describe block starts, so its afterEach can stop them. */
const consumerScope = () => {
  const running: EventConsumer[] = [];
  const consume = async (...args: Parameters<typeof startConsumer>) => {
    const consumer = await startConsumer(...args);
    running.push(consumer);
    return consumer;
  };
  return { consume, running };
};

describe('event consumer', () => {
  let topics: Topics;
  const { consume, running } = consumerScope();

  beforeEach(async () => {
    topics = await newTopics();
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });

  it('changes the database once when the same event is delivered twice', async () => {
    const event = anOrderPlaced();
    const consumer = await consume(topics);

    await send(topics.source, [asMessage(event), asMessage(event)]);

    await waitUntil('both deliveries handled', () => consumer.stats.processed + consumer.stats.duplicates === 2);
    expect(await effectsOf([event.eventId])).toEqual([event.eventId]);
    expect(consumer.stats).toMatchObject({ processed: 1, duplicates: 1 });
  });

  it('dead-letters a malformed, a schema-invalid and an unknown-type message, and goes on with the next good one', async () => {
    const key = 'order-with-poison';
    const good = anOrderPlaced({}, { aggregateId: key });
    const dlq = await TopicTail.start(brokers, topics.dlq);
    const consumer = await consume(topics);

    await send(topics.source, [
      { key, value: '{not json', headers: { note: 'kept' } },
      { key, value: JSON.stringify(anOrderPlaced({ totalCents: 12.5 }, { aggregateId: key })) },
      { key, value: JSON.stringify(anEnvelope('OrderTeleported', 1, 'orders', {}, { aggregateId: key })) },
      asMessage(good),
    ]);

    await waitUntil('the good event handled', async () => (await effectsOf([good.eventId])).length === 1);
    const letters = await dlq.waitFor('three dead letters', (ms) => ms.length === 3);
    await dlq.stop();
    expect(letters.map((m) => m.headers[Headers.deadLetterReason]?.split(':')[0])).toEqual([
      'MALFORMED_JSON',
      'SCHEMA_VIOLATION',
      'UNKNOWN_EVENT_TYPE',
    ]);
    expect(letters[1]?.headers[Headers.deadLetterReason]).toContain('payload.totalCents');
    for (const letter of letters) {
      expect(letter.key).toBe(key);
      expect(letter.headers[Headers.deadLetterSourceTopic]).toBe(topics.source);
      expect(letter.headers[Headers.deadLetterConsumerGroup]).toMatch(/^test\.consumer-/);
      expect(Number(letter.headers[Headers.deadLetterSourceOffset])).toBeGreaterThanOrEqual(0);
    }
    expect(letters[0]?.value).toBe('{not json');
    expect(letters[0]?.headers.note).toBe('kept');
    expect(consumer.stats.deadLettered).toBe(3);
  });

  it('retries a transient failure with backoff and applies the event once', async () => {
    const event = anOrderPlaced();
    let failures = 2;
    const effects = recordEffects();
    const consumer = await consume(topics, {
      OrderPlaced: async (e, ctx) => {
        if (failures-- > 0) throw new TransientError('database briefly away');
        await effects.OrderPlaced!(e, ctx);
      },
    });

    await send(topics.source, [asMessage(event)]);

    await waitUntil('the event applied', async () => (await effectsOf([event.eventId])).length === 1);
    expect(consumer.stats).toMatchObject({ processed: 1, retries: 2, deadLettered: 0 });
  });

  it('dead-letters only the event whose handler keeps failing; the rest of its batch is applied', async () => {
    const key = 'order-with-bad-handler-input';
    const events = [0, 1, 2].map((i) => anOrderPlaced({ customerId: `c-${i}` }, { aggregateId: key }));
    const effects = recordEffects();
    const dlq = await TopicTail.start(brokers, topics.dlq);
    const consumer = await consume(topics, {
      OrderPlaced: async (e, ctx) => {
        if (e.payload.customerId === 'c-1') throw new Error('customer c-1 breaks a rule');
        await effects.OrderPlaced!(e, ctx);
      },
    });

    await send(topics.source, events.map(asMessage));

    const [letter] = await dlq.waitFor('one dead letter', (ms) => ms.length === 1);
    await dlq.stop();
    await waitUntil(
      'the two good events applied',
      async () => (await effectsOf(events.map((e) => e.eventId))).length === 2,
    );
    expect(letter?.headers[Headers.eventId]).toBe(events[1]?.eventId);
    expect(letter?.headers[Headers.deadLetterReason]).toContain('customer c-1 breaks a rule');
    expect(letter?.headers[Headers.deadLetterCode]).toBe('HANDLER_FAILED');
    expect(letter?.headers[Headers.deadLetterAttempts]).toBe('1');
    expect(Date.parse(letter?.headers[Headers.deadLetterFailedAt] ?? '')).not.toBeNaN();
    expect(consumer.stats).toMatchObject({ processed: 2, deadLettered: 1 });
  });

  it('skips, and commits past, a known event type it has no handler for', async () => {
    const shipped = anEnvelope('OrderShipped', 1, 'orders', {});
    const placed = anOrderPlaced({}, { aggregateId: shipped.aggregateId });
    const consumer = await consume(topics);

    await send(topics.source, [asMessage(shipped), asMessage(placed)]);

    await waitUntil('the OrderPlaced applied', async () => (await effectsOf([placed.eventId])).length === 1);
    expect(consumer.stats).toMatchObject({ processed: 1, skipped: 1, deadLettered: 0 });
  });

  it('gives a batch handler the unit’s events at once, in partition order, without the duplicate', async () => {
    const orderId = 'order-for-a-projection';
    const events = [1, 2, 3, 4, 5].map((version) =>
      anOrderPlaced({}, { aggregateId: orderId, aggregateVersion: version }),
    );
    const calls: string[][] = [];
    const consumer = await consume(topics, {
      types: ['OrderPlaced'],
      handle: async (batch, { tx }) => {
        calls.push(batch.map((e) => e.eventId));
        await tx.query('INSERT INTO effects (event_id, order_id) SELECT unnest($1::uuid[]), $2', [
          batch.map((e) => e.eventId),
          orderId,
        ]);
      },
    });

    // One send to one partition: one record batch, so one fetch and one unit.
    await send(topics.source, [...events, events[0]!].map(asMessage));

    await waitUntil('all six deliveries handled', () => consumer.stats.processed + consumer.stats.duplicates === 6);
    expect(calls).toEqual([events.map((e) => e.eventId)]);
    expect((await effectsOf(events.map((e) => e.eventId))).sort()).toEqual(events.map((e) => e.eventId).sort());
    expect(consumer.stats).toMatchObject({ processed: 5, duplicates: 1 });
  });
});

/**
 * The failure semantics table of libs/messaging's README, one test per row
 * that the tests above do not already cover: what is transient waits, for as
 * long as it lasts, and is never dead-lettered.
 */
describe('event consumer under transient failures', () => {
  let topics: Topics;
  const { consume, running } = consumerScope();

  beforeEach(async () => {
    topics = await newTopics(2);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });

  it('waits out a transient failure for as long as it lasts, reports the partition blocked, and never dead-letters it', async () => {
    const event = anOrderPlaced();
    let outage = true;
    const effects = recordEffects();
    const dlq = await TopicTail.start(brokers, topics.dlq);
    const consumer = await consume(topics, {
      OrderPlaced: async (e, ctx) => {
        if (outage) throw new TransientError('the gateway answered 503');
        await effects.OrderPlaced!(e, ctx);
      },
    });

    await send(topics.source, [{ ...asMessage(event), partition: 0 }]);

    // Well past what any retry count used to allow (5 tries in ~1.5 s).
    await waitUntil('ten failed tries', () => consumer.stats.retries >= 10, 20_000);
    expect(consumer.status().blocked).toEqual([
      expect.objectContaining({
        topic: topics.source,
        partition: 0,
        code: 'TRANSIENT_ERROR',
        reason: expect.stringContaining('the gateway answered 503'),
      }),
    ]);
    outage = false;

    await waitUntil('the event applied', async () => (await effectsOf([event.eventId])).length === 1);
    await waitUntil('the partition unblocked', () => consumer.status().blocked.length === 0);
    expect(dlq.messages).toEqual([]);
    await dlq.stop();
    expect(consumer.stats).toMatchObject({ processed: 1, deadLettered: 0 });
  });

  it('goes on with its other partitions while one is blocked', async () => {
    const stuck = anOrderPlaced();
    const free = anOrderPlaced();
    let outage = true;
    const effects = recordEffects();
    const consumer = await consume(topics, {
      OrderPlaced: async (e, ctx) => {
        if (outage && e.eventId === stuck.eventId) throw new TransientError('lock not available');
        await effects.OrderPlaced!(e, ctx);
      },
    });

    await send(topics.source, [{ ...asMessage(stuck), partition: 0 }]);
    await waitUntil('partition 0 blocked', () => consumer.status().blocked.length === 1);
    await send(topics.source, [{ ...asMessage(free), partition: 1 }]);

    await waitUntil(
      'the event on the free partition applied',
      async () => (await effectsOf([free.eventId])).length === 1,
    );
    expect(await effectsOf([stuck.eventId])).toEqual([]);
    outage = false;
    await waitUntil('the blocked one applied too', async () => (await effectsOf([stuck.eventId])).length === 1);
  });

  it('waits out its database going away and coming back, and applies every event once', async () => {
    const proxy = await TcpProxy.start(TcpProxy.targetOf(db.url));
    const pool = new Pool({ connectionString: proxy.via(db.url), max: 3, connectionTimeoutMillis: 2_000 });
    // What libs/platform's createPool does: a lost connection is logged, never fatal.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const dlq = await TopicTail.start(brokers, topics.dlq);
    const before = Array.from({ length: 5 }, () => anOrderPlaced());
    const during = Array.from({ length: 5 }, () => anOrderPlaced());
    const ids = [...before, ...during].map((e) => e.eventId);
    const consumer = await consume(topics, recordEffects(), undefined, { pool });
    try {
      await send(topics.source, before.map(asMessage));
      await waitUntil('the first events applied', async () => (await effectsOf(ids)).length === before.length);

      await proxy.cut();
      await send(topics.source, during.map(asMessage));
      const [blocked] = await waitUntil('a partition blocked by the outage', () => {
        const { blocked } = consumer.status();
        return blocked.length > 0 && blocked;
      });
      expect(blocked?.reason).toMatch(/ECONNREFUSED|Connection terminated|timeout/);
      await waitUntil('a few tries during the outage', () => consumer.stats.retries >= 3);
      await proxy.restore();

      await waitUntil('every event applied', async () => (await effectsOf(ids)).length === ids.length, 30_000);
      expect(new Set(await effectsOf(ids)).size).toBe(ids.length);
      expect(dlq.messages).toEqual([]);
      expect(consumer.stats.deadLettered).toBe(0);
    } finally {
      await dlq.stop();
      await consumer.stop();
      running.splice(running.indexOf(consumer), 1);
      await pool.end();
      await proxy.stop();
    }
  });

  it('keeps its partition through a unit that takes longer than the session time-out', async () => {
    const event = anOrderPlaced();
    const groupId = `test.slow-unit-${process.pid}-${Date.now()}`;
    // 8 s of work against a 6 s session time-out: only heartbeats sent during the unit keep the member.
    const consumer = await consume(topics, recordEffects(8_000), groupId, { sessionTimeoutMs: 6_000 });

    await send(topics.source, [{ ...asMessage(event), partition: 0 }]);

    await waitUntil('the slow event applied', async () => (await effectsOf([event.eventId])).length === 1, 20_000);
    // The offset commit after the unit was accepted: an expelled member's would have been refused.
    const admin = kafka.admin();
    await admin.connect();
    try {
      await waitUntil('the offset committed', async () => {
        const [offsets] = await admin.committedOffsets(groupId, [topics.source]);
        return offsets?.partitions.find((p) => p.partition === 0)?.offset === '1';
      });
    } finally {
      await admin.disconnect();
    }
    expect(consumer.stats).toMatchObject({ processed: 1, duplicates: 0 });
  }, 40_000);
});

describe('event consumer in its own process', () => {
  let topics: Topics;
  beforeEach(async () => {
    topics = await newTopics(1);
  });

  const spawnConsumer = (mode: 'crash-after-commit' | 'graceful', groupId: string): Promise<ChildProcess> => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'fixtures', 'consumer.process.ts')],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          MODE: mode,
          GROUP: groupId,
          TOPIC: topics.source,
          DLQ: topics.dlq,
          BROKERS: brokers.join(','),
          DB_URL: db.url,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    return new Promise((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve(child));
      child.once('exit', (code, signal) => reject(new Error(`consumer process exited early: ${code ?? signal}`)));
    });
  };
  const exited = (child: ChildProcess) =>
    new Promise<{ code: number | null; signal: string | null; output: string }>((resolve) => {
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.removeAllListeners('exit');
      child.once('exit', (code, signal) => resolve({ code, signal, output }));
    });

  it('applies nothing twice when killed between its transaction and its offset commit', async () => {
    const groupId = `test.crash-${process.pid}-${Date.now()}`;
    const events = Array.from({ length: 20 }, () => anOrderPlaced());
    const ids = events.map((e) => e.eventId);
    const child = await spawnConsumer('crash-after-commit', groupId);
    const crashed = exited(child);

    await send(topics.source, events.map(asMessage));

    expect((await crashed).signal).toBe('SIGKILL');
    const appliedBeforeCrash = (await effectsOf(ids)).length;
    expect(appliedBeforeCrash).toBeGreaterThan(0);

    const restarted = await startConsumer(topics, recordEffects(), groupId);
    try {
      await waitUntil('every event applied', async () => (await effectsOf(ids)).length >= ids.length);
      // The batch whose offsets were never committed came again, and was recognised.
      await waitUntil('the redelivered batch seen', () => restarted.stats.duplicates >= appliedBeforeCrash);
    } finally {
      await restarted.stop();
    }
    const applied = await effectsOf(ids);
    expect(applied.length).toBe(ids.length);
    expect(new Set(applied).size).toBe(ids.length);
  });

  it('loses nothing and repeats nothing when stopped with SIGTERM in the middle of a batch', async () => {
    const groupId = `test.sigterm-${process.pid}-${Date.now()}`;
    const events = Array.from({ length: 200 }, () => anOrderPlaced());
    const ids = events.map((e) => e.eventId);
    const child = await spawnConsumer('graceful', groupId);
    const stopped = exited(child);

    await send(topics.source, events.map(asMessage));
    await waitUntil('the first events applied', async () => (await effectsOf(ids)).length > 0);
    child.kill('SIGTERM');

    const { code, output } = await stopped;
    expect(code).toBe(0);
    expect(output).toContain('stopped');
    const appliedBeforeStop = (await effectsOf(ids)).length;
    expect(appliedBeforeStop).toBeLessThan(ids.length);

    const restarted = await startConsumer(topics, recordEffects(), groupId);
    try {
      await waitUntil('every event applied', async () => (await effectsOf(ids)).length >= ids.length, 30_000);
    } finally {
      await restarted.stop();
    }
    const applied = await effectsOf(ids);
    expect(applied.length).toBe(ids.length);
    expect(new Set(applied).size).toBe(ids.length);
    // What the first process applied, it had committed: the restart saw no redelivery.
    expect(restarted.stats.duplicates).toBe(0);
  });
});
