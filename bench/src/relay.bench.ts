import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { loadStackConfig } from '../../infra/src/config/stack.config';
import {
  connectorDeclarations,
  connectorState,
  registerConnectors,
} from '../../infra/src/provision/connectors.provision';
import { OUTBOX_PUBLICATION } from '../../infra/src/provision/databases.provision';
import { anOrderPlaced } from '../../test/support/event.factory';
import { freshDatabase } from '../../test/support/test-database';
import { createOutboxTestTopic, createTestTopics } from '../../test/support/test-topics';
import { TopicTail } from '../../test/support/topic.tail';
import { waitUntil } from '../../test/support/wait-until';
import { PollingOutboxRelay, createKafka, kafkaClientLibrary, writeToOutbox } from '@orderflow/messaging';
import { producerThroughput } from './ceilings.bench';
import { type BenchReport, percentile, round } from './bench.results';

/**
 * The outbox relay through Debezium, as the stack runs it: rows committed to
 * an outbox table, read from the WAL by a Postgres connector with the outbox
 * EventRouter, on a topic. A throw-away database and connector per
 * configuration (the services' connectors are not touched):
 *   - latency: commit → arrival on the topic, at a fixed 1,000 events/s
 *   - throughput: how fast a backlog of committed rows drains onto the topic
 *     (rows written first, the relay started after), so the writer's own
 *     pace cannot cap the figure
 * for Debezium's defaults and for the tuned settings in infra/connectors.
 */
const config = loadStackConfig();
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const RATE = 1_000;
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 200_000);

const tuned = connectorDeclarations(config.repoRoot).find((c) => c.name === 'orders-outbox')!.config;
const defaults: Record<string, string> = Object.fromEntries(
  Object.entries(tuned).filter(
    ([k]) =>
      ![
        'poll.interval.ms',
        'max.batch.size',
        'max.queue.size',
        'producer.override.linger.ms',
        'producer.override.batch.size',
      ].includes(k),
  ),
);

interface Measurement<T> {
  /** Runs before the relay starts (e.g. writes a backlog). */
  before?: (db: Client, aggregateType: string) => Promise<void>;
  run: (db: Client, aggregateType: string, tail: TopicTail) => Promise<T>;
}

async function withRelay<T>(
  name: string,
  settings: Record<string, string>,
  { before, run }: Measurement<T>,
): Promise<T> {
  const brokers = [config.kafka.bootstrap];
  const database = `relay_bench_${name.replace(/\W/g, '_')}`;
  const db = await freshDatabase(database, 'orders');
  const admin = new Client({ connectionString: config.postgres.superuserUrl.replace(/\/postgres$/, `/${database}`) });
  await admin.connect();
  await admin.query(`GRANT CONNECT ON DATABASE ${database} TO debezium`);
  await admin.query('GRANT USAGE ON SCHEMA public TO debezium; GRANT SELECT ON public.outbox TO debezium');
  await admin.query(`CREATE PUBLICATION ${OUTBOX_PUBLICATION} FOR TABLE public.outbox WITH (publish = 'insert')`);
  const topic = await createOutboxTestTopic(brokers, 6);
  const tail = await TopicTail.start(brokers, topic.topic);
  // The slot first, so rows committed before the connector starts are in its stream.
  await admin.query(`SELECT pg_create_logical_replication_slot('${database}', 'pgoutput')`);
  await before?.(admin, topic.aggregateType);
  // A new name each run: Connect keeps a connector's offsets by name, and they would point into a dropped database.
  const connector = `relay-bench-${name}-${randomUUID().slice(0, 8)}`;
  await registerConnectors(config.connect.url, [
    {
      name: connector,
      config: { ...settings, 'database.dbname': database, 'slot.name': database, 'topic.prefix': connector },
    },
  ]);
  try {
    return await run(admin, topic.aggregateType, tail);
  } finally {
    await fetch(`${config.connect.url}/connectors/${connector}`, { method: 'DELETE' });
    await waitUntil(
      'the bench connector gone',
      async () => (await connectorState(config.connect.url, connector)).state === 'MISSING',
    );
    await tail.stop();
    await topic.remove();
    await admin
      .query(`SELECT pg_drop_replication_slot('${database}') FROM pg_replication_slots WHERE slot_name = '${database}'`)
      .catch(() => undefined);
    await admin.end();
    await db.drop();
  }
}

/** The same measurement with the polling relay in this process, on a database no connector watches. */
async function withPollingRelay<T>(name: string, { before, run }: Measurement<T>): Promise<T> {
  const brokers = [config.kafka.bootstrap];
  const db = await freshDatabase(`relay_bench_${name.replace(/\W/g, '_')}`, 'orders');
  const client = new Client({ connectionString: db.url });
  await client.connect();
  const topic = await createOutboxTestTopic(brokers, 6);
  const tail = await TopicTail.start(brokers, topic.topic);
  const producer = createKafka('bench-polling-relay', brokers, { logLevel: 'nothing' }).safeProducer();
  await producer.connect();
  await before?.(client, topic.aggregateType);
  const relay = new PollingOutboxRelay(db.pool, producer, { batchSize: 1_000, idleMs: 5 });
  relay.start();
  try {
    return await run(client, topic.aggregateType, tail);
  } finally {
    await relay.stop();
    await producer.disconnect();
    await tail.stop();
    await topic.remove();
    await client.end();
    await db.drop();
  }
}

const insert = (db: Client, aggregateType: string, count: number) => {
  const events = Array.from({ length: count }, () =>
    anOrderPlaced({}, { aggregateType, occurredAt: new Date().toISOString() }),
  );
  return writeToOutbox(db, events);
};

/** One row per transaction at a fixed rate; latency = arrival − commit, both on this machine's clock. */
async function latency(db: Client, aggregateType: string, tail: TopicTail): Promise<number[]> {
  const committedAt = new Map<string, number>();
  const started = performance.now();
  for (let i = 0; performance.now() - started < SECONDS * 1000; i += 1) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const id = randomUUID();
    await db.query(
      `INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) VALUES ($1::uuid, $2, $3, 'OrderPlaced', '{}')`,
      [id, aggregateType, id],
    );
    committedAt.set(id, Date.now());
  }
  await tail.waitFor('every row on the topic', (ms) => ms.length >= committedAt.size, 60_000);
  return tail.messages.map((m) => m.arrivedAt - (committedAt.get(m.headers.id ?? '') ?? 0));
}

/** A backlog of BACKLOG rows, committed before the relay starts, in transactions of 1,000. */
const throughput: Measurement<number> = {
  before: async (db, aggregateType) => {
    for (let written = 0; written < BACKLOG; written += 1_000) await insert(db, aggregateType, 1_000);
  },
  /** Events/s from the first arrival to the last: the relay's drain rate, start-up excluded. */
  run: async (_db, _aggregateType, tail) => {
    await tail.waitFor('the backlog on the topic', (ms) => ms.length >= BACKLOG, 300_000);
    const first = tail.messages.reduce((min, m) => Math.min(min, m.arrivedAt), Infinity);
    const last = tail.messages.reduce((max, m) => Math.max(max, m.arrivedAt), 0);
    return (BACKLOG - 1) / ((last - first) / 1000);
  },
};

const latencyRun: Measurement<number[]> = { run: latency };

export async function relay(): Promise<BenchReport> {
  const kafka = createKafka('bench-relay', [config.kafka.bootstrap], { logLevel: 'nothing' });
  const ceilingTopic = await createTestTopics(
    [config.kafka.bootstrap],
    [{ purpose: 'bench-relay-ceiling', partitions: 6 }],
  );
  const ceiling = await producerThroughput(kafka, ceilingTopic.names[0]!);
  await ceilingTopic.remove();

  const row = (relay: string, samples: number[], rate: number) => ({
    relay,
    'p50 ms @1k/s': round(percentile(samples, 50), 0),
    'p99 ms @1k/s': round(percentile(samples, 99), 0),
    'max ms': round(percentile(samples, 100), 0),
    'events/s': round(rate, 0),
    'ratio to producer ceiling': round(rate / ceiling, 2),
  });
  const rows: Record<string, string | number>[] = [
    row(
      'Debezium, defaults (poll 500 ms)',
      await withRelay('defaults-latency', defaults, latencyRun),
      await withRelay('defaults-throughput', defaults, throughput),
    ),
    row(
      'Debezium, tuned (poll 50 ms, linger 0, 4,096 per batch, producer batch 256 KiB)',
      await withRelay('tuned-latency', tuned, latencyRun),
      await withRelay('tuned-throughput', tuned, throughput),
    ),
    row(
      'polling relay (SKIP LOCKED, idle poll 5 ms, 1,000 per batch)',
      await withPollingRelay('polling-latency', latencyRun),
      await withPollingRelay('polling-throughput', throughput),
    ),
  ];
  rows.push({
    relay: `raw ${kafkaClientLibrary().name} idempotent producer (ceiling)`,
    'p50 ms @1k/s': '',
    'p99 ms @1k/s': '',
    'max ms': '',
    'events/s': round(ceiling, 0),
    'ratio to producer ceiling': 1,
  });
  return {
    title: 'Outbox relay: Debezium (defaults, tuned) and the polling relay',
    method:
      `A throw-away database and connector per run. Latency: one row per transaction at ${RATE}/s for ${SECONDS} s, arrival on the topic minus commit. ` +
      `Throughput: ${BACKLOG.toLocaleString('en')} rows committed first (1,000 per transaction), then the relay started; events/s from the first arrival to the last. ` +
      'The polling relay runs in the benchmark process against a database no connector watches.',
    rows,
  };
}
