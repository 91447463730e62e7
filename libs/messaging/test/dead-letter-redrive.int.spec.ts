import { type AnyEnvelope, Headers } from '@orderflow/events';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { anOrderPlaced } from '../../../test/support/event.factory';
import { type FreshDatabase, freshDatabase } from '../../../test/support/test-database';
import { createTestTopics } from '../../../test/support/test-topics';
import { TopicTail } from '../../../test/support/topic.tail';
import { waitUntil } from '../../../test/support/wait-until';
import {
  DeadLetterRedriver,
  type DeadLetterRecord,
  EventConsumer,
  type EventHandlers,
  createKafka,
  describeDeadLetter,
  type RecordProducer,
  findRedrive,
  readDeadLetters,
} from '../src';
import { EFFECTS_DDL, recordEffects } from './fixtures/effects';

/**
 * Dead letters back on their source topic, against the real broker and a
 * fresh database migrated like a service's (so it has `dead_letter_redrives`
 * and the inbox). The handler is a test double with a bug until the test
 * fixes it; its effect is an `effects` row, which has no unique key: a second
 * effect would show as a second row.
 */
const config = loadStackConfig();
const brokers = [config.kafka.bootstrap];

let db: FreshDatabase;
const kafka = createKafka('test-dlq-redrive', brokers, { logLevel: 'nothing' });
let producer: RecordProducer;
let redriver: DeadLetterRedriver;
/** Consumers, tails and extra producers to stop; topics to remove only after every producer is gone. */
const cleanups: (() => Promise<void>)[] = [];
const removals: (() => Promise<void>)[] = [];

beforeAll(async () => {
  db = await freshDatabase('dlq_redrive_test', 'orders');
  await db.pool.query(EFFECTS_DDL);
  producer = kafka.safeProducer();
  await producer.connect();
  redriver = await DeadLetterRedriver.connect(kafka);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await redriver.disconnect();
  await producer.disconnect();
  for (const remove of removals) await remove();
  await db.drop();
});

/** A handler with a bug: it throws a plain Error (not transient: dead-lettered at once) until `fix()`. */
const buggyUntilFixed = () => {
  const effects = recordEffects();
  let fixed = false;
  const handlers: EventHandlers = {
    OrderPlaced: async (event, ctx) => {
      if (!fixed) throw new Error('bug');
      await effects.OrderPlaced!(event, ctx);
    },
  };
  return { handlers, fix: () => (fixed = true) };
};

let counter = 0;
/** Its own topics, group and consumer; stopped and removed after the file (see event-consumer.int.spec.ts on why not sooner). */
const aConsumerWithABug = async () => {
  const { names, remove } = await createTestTopics(brokers, [
    { purpose: 'source', partitions: 3 },
    { purpose: 'dlq', partitions: 1 },
  ]);
  const [source, dlq] = [names[0]!, names[1]!];
  const handler = buggyUntilFixed();
  const groupId = `test.redrive-${process.pid}-${(counter += 1)}`;
  const consumer = new EventConsumer({
    groupId,
    topics: [source],
    deadLetterTopic: dlq,
    handlers: handler.handlers,
    pool: db.pool,
    kafka: createKafka('test-consumer', brokers),
    sessionTimeoutMs: 6_000,
  });
  await consumer.start();
  cleanups.push(() => consumer.stop());
  removals.push(remove);
  return { source, dlq, groupId, consumer, fix: handler.fix };
};

const publish = async (topic: string, event: AnyEnvelope) => {
  const [sent] = await producer.send(topic, [
    {
      key: event.aggregateId,
      value: JSON.stringify(event),
      headers: { [Headers.eventId]: event.eventId, [Headers.eventType]: event.type },
    },
  ]);
  return { partition: sent!.partition, offset: sent!.offset };
};

const effectCount = async (eventId: string) => {
  const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM effects WHERE event_id = $1', [
    eventId,
  ]);
  return rows[0]!.n;
};

/** Waits for the event's dead letter to arrive, then reads it as the CLI does. */
const deadLetterOf = async (dlq: string, tail: TopicTail, eventId: string): Promise<DeadLetterRecord> => {
  await tail.waitFor('the dead letter', (ms) => ms.some((m) => m.headers[Headers.eventId] === eventId));
  const letters = await readDeadLetters(kafka, { topic: dlq });
  const letter = letters.find((l) => describeDeadLetter(l).eventId === eventId);
  if (!letter) throw new Error(`no dead letter of ${eventId} read from ${dlq}`);
  return letter;
};

describe('dead-letter redrive', () => {
  it('puts a poison-by-bug event back once the handler is fixed: the effect happens exactly once', async () => {
    const { source, dlq, groupId, consumer, fix } = await aConsumerWithABug();
    const event = anOrderPlaced();
    const dlqTail = await TopicTail.start(brokers, dlq);
    cleanups.push(() => dlqTail.stop());

    const consumed = await publish(source, event);
    const letter = await deadLetterOf(dlq, dlqTail, event.eventId);

    expect(describeDeadLetter(letter)).toMatchObject({
      key: event.aggregateId,
      source: { topic: source, ...consumed },
      consumerGroup: groupId,
      code: 'HANDLER_FAILED',
      reason: expect.stringContaining('bug'),
    });
    expect(letter.value?.toString()).toBe(JSON.stringify(event));
    expect(await effectCount(event.eventId)).toBe(0);

    fix();
    const first = await redriver.redrive(db.pool, letter);

    expect(first).toMatchObject({
      status: 'redriven',
      record: {
        // The record time as read, to the millisecond: the row is found by it.
        deadLetter: { topic: dlq, offset: letter.offset, timestamp: letter.timestamp },
        eventId: event.eventId,
        to: { topic: source },
      },
    });
    await waitUntil('the redriven event applied', async () => (await effectCount(event.eventId)) > 0);

    // The same dead letter again: refused, the record unchanged.
    const second = await redriver.redrive(db.pool, letter);
    expect(second).toEqual({ status: 'already-redriven', record: first.record });

    // The event itself again (as a crash between produce and commit would let a second redrive send it): the inbox absorbs it.
    const duplicatesBefore = consumer.stats.duplicates;
    await publish(source, event);
    await waitUntil('the repeat seen as a duplicate', () => consumer.stats.duplicates > duplicatesBefore);
    expect(await effectCount(event.eventId)).toBe(1);
  });

  it('sends once when the same dead letter is redriven twice at the same moment', async () => {
    const { source, dlq, fix } = await aConsumerWithABug();
    const event = anOrderPlaced();
    const dlqTail = await TopicTail.start(brokers, dlq);
    const sourceTail = await TopicTail.start(brokers, source);
    cleanups.push(
      () => dlqTail.stop(),
      () => sourceTail.stop(),
    );
    await publish(source, event);
    const letter = await deadLetterOf(dlq, dlqTail, event.eventId);
    fix();
    const other = await DeadLetterRedriver.connect(
      createKafka('test-other-redriver', brokers, { logLevel: 'nothing' }),
    );
    cleanups.push(() => other.disconnect());

    const outcomes = await Promise.all([redriver.redrive(db.pool, letter), other.redrive(db.pool, letter)]);

    expect(outcomes.map((o) => o.status).sort()).toEqual(['already-redriven', 'redriven']);
    await waitUntil('the event applied', async () => (await effectCount(event.eventId)) > 0);
    const redriven = sourceTail.messages.filter((m) => m.headers[Headers.deadLetterRedrivenFrom] !== undefined);
    expect(redriven.map((m) => m.headers[Headers.deadLetterRedrivenFrom])).toEqual([`${dlq}/0/${letter.offset}`]);
    expect(await effectCount(event.eventId)).toBe(1);
  });

  it('redrives a new dead letter at the position of one redriven before (a cluster since emptied), each once', async () => {
    const { source, dlq, fix } = await aConsumerWithABug();
    const [before, after] = [anOrderPlaced(), anOrderPlaced()];
    const dlqTail = await TopicTail.start(brokers, dlq);
    cleanups.push(() => dlqTail.stop());
    await publish(source, before);
    const old = await deadLetterOf(dlq, dlqTail, before.eventId);
    await publish(source, after);
    const later = await deadLetterOf(dlq, dlqTail, after.eventId);
    fix();
    const first = await redriver.redrive(db.pool, old);
    expect(first).toMatchObject({ status: 'redriven' });

    // What a cluster started empty hands out: another message at the recorded position, written later.
    const reused: DeadLetterRecord = { ...later, offset: old.offset };
    expect(reused.timestamp).not.toBe(old.timestamp);
    const second = await redriver.redrive(db.pool, reused);

    expect(second).toMatchObject({
      status: 'redriven',
      record: { deadLetter: { topic: dlq, offset: old.offset, timestamp: reused.timestamp }, eventId: after.eventId },
    });
    await waitUntil(
      'both events applied',
      async () => (await effectCount(before.eventId)) > 0 && (await effectCount(after.eventId)) > 0,
    );

    // Each letter again: refused, with its own record; nothing is found a millisecond off.
    expect(await redriver.redrive(db.pool, reused)).toEqual({ status: 'already-redriven', record: second.record });
    expect(await redriver.redrive(db.pool, old)).toEqual({ status: 'already-redriven', record: first.record });
    const aMsEarlier = new Date(Date.parse(old.timestamp) - 1).toISOString();
    expect(await findRedrive(db.pool, { ...old, timestamp: aMsEarlier })).toBeUndefined();
    expect([await effectCount(before.eventId), await effectCount(after.eventId)]).toEqual([1, 1]);
  });

  it('records nothing when the produce fails, so the dead letter can be redriven later', async () => {
    const { source, dlq, fix } = await aConsumerWithABug();
    const event = anOrderPlaced();
    const dlqTail = await TopicTail.start(brokers, dlq);
    cleanups.push(() => dlqTail.stop());
    await publish(source, event);
    const letter = await deadLetterOf(dlq, dlqTail, event.eventId);
    fix();
    // The broker refuses a record over its message.max.bytes (1 MiB by default): MESSAGE_TOO_LARGE, not retried.
    const tooLarge = { ...letter, value: Buffer.concat([letter.value!, Buffer.alloc(2 * 1024 * 1024, 0x20)]) };

    await expect(redriver.redrive(db.pool, tooLarge)).rejects.toThrow(/larger than the max message size/);

    expect(await findRedrive(db.pool, letter)).toBeUndefined();
    expect(await redriver.redrive(db.pool, letter)).toMatchObject({ status: 'redriven' });
    await waitUntil('the event applied', async () => (await effectCount(event.eventId)) > 0);
  });

  it('refuses, before claiming anything, a dead letter whose source topic is gone', async () => {
    const letter: DeadLetterRecord = {
      topic: 'test.dlq.of-a-deleted-topic',
      partition: 0,
      offset: '0',
      key: Buffer.from('order-1'),
      value: Buffer.from(JSON.stringify(anOrderPlaced())),
      timestamp: new Date().toISOString(),
      headers: {
        [Headers.deadLetterSourceTopic]: Buffer.from(`test.no-such-topic.${process.pid}`),
        [Headers.deadLetterSourcePartition]: Buffer.from('0'),
        [Headers.deadLetterSourceOffset]: Buffer.from('0'),
      },
    };

    await expect(redriver.redrive(db.pool, letter)).rejects.toMatchObject({ code: 'SOURCE_TOPIC_MISSING' });
    expect(await findRedrive(db.pool, letter)).toBeUndefined();
  });
});
