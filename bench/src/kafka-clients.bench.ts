import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  type KafkaClient,
  type KafkaClientName,
  createKafka,
  kafkaClientLibrary,
  kafkaClients,
} from '@orderflow/messaging';
import { loadStackConfig } from '../../infra/src/config/stack.config';
import { freshDatabase } from '../../test/support/test-database';
import { createTestTopics } from '../../test/support/test-topics';
import { replayReadModel } from '../../services/orders/src/projections/replay.command';
import { type BenchReport, round } from './bench.results';
import { producerThroughput } from './ceilings.bench';
import { fill } from './replay.bench';

/**
 * The two adapters of the Kafka port side by side, in one run, on the same
 * broker, one after the other (kafkajs first, then @platformatic/kafka, then
 * again in that order for each repeat):
 *   - producer ceiling: the safe producer (idempotent, acks=all), ~1 KB
 *     events, 100 per send, one send at a time, onto 6 partitions;
 *   - consume ceiling: the port's batch consumer from the beginning of a
 *     topic of CONSUME_EVENTS ~1 KB events, committing after every batch, as
 *     the consumer runtime does (no handler work);
 *   - replay: the orders read model rebuilt from REPLAY_EVENTS events, the
 *     replay command's own code (`replayReadModel`) reading through the port.
 * The client runs in this process: its CPU per 1,000 events is this
 * process's (user + system) over the measured window.
 */
const config = loadStackConfig();
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONSUME_EVENTS = Number(process.env.BENCH_CONSUME_EVENTS ?? 200_000);
const REPLAY_EVENTS = Number(process.env.BENCH_REPLAY_EVENTS ?? 200_000);

interface Measured {
  rate: number;
  cpuMsPer1000: number;
}

/** This process's CPU (user + system), in ms per 1,000 events. */
const perThousand = (cpu: NodeJS.CpuUsage, events: number) => (cpu.user + cpu.system) / events;

async function measured(events: () => Promise<number>): Promise<Measured> {
  const cpuFrom = process.cpuUsage();
  const started = performance.now();
  const count = await events();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuFrom);
  return { rate: count / seconds, cpuMsPer1000: perThousand(cpu, count) };
}

async function consumeCeiling(kafka: KafkaClient, topic: string): Promise<Measured> {
  await fill(kafka, topic, CONSUME_EVENTS);
  const consumer = kafka.batchConsumer({
    groupId: `bench.consume.${randomUUID()}`,
    topics: [topic],
    fetchMinBytes: 64 * 1024,
    fetchMaxWaitMs: 100,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
    partitionsConsumedConcurrently: 6,
  });
  let consumed = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  let firstAt = 0;
  let cpuFrom = process.cpuUsage();
  await consumer.run(async (batch) => {
    if (firstAt === 0) {
      firstAt = performance.now();
      cpuFrom = process.cpuUsage();
    }
    for (const record of batch.records) JSON.parse(record.value!.toString('utf8'));
    await batch.commit(batch.records[batch.records.length - 1]!.offset);
    consumed += batch.records.length;
    if (consumed >= CONSUME_EVENTS) done();
  });
  await all;
  const seconds = (performance.now() - firstAt) / 1000;
  const cpu = process.cpuUsage(cpuFrom);
  await consumer.stop();
  return { rate: consumed / seconds, cpuMsPer1000: perThousand(cpu, consumed) };
}

async function replayRate(kafka: KafkaClient, topic: string): Promise<Measured> {
  await fill(kafka, topic, REPLAY_EVENTS);
  const db = await freshDatabase('orders_clients_bench', 'orders');
  try {
    return await measured(
      async () => (await replayReadModel(db.pool, kafka, { kind: 'beginning' }, () => undefined, topic)).events,
    );
  } finally {
    await db.drop();
  }
}

async function measureClient(client: KafkaClientName) {
  const brokers = [config.kafka.bootstrap];
  const kafka = createKafka(`bench-clients-${client}`, brokers, { logLevel: 'nothing' }, client);
  const topics = await createTestTopics(brokers, [
    { purpose: `bench-clients-produce-${client}`, partitions: 6 },
    { purpose: `bench-clients-consume-${client}`, partitions: 6 },
    { purpose: `bench-clients-replay-${client}`, partitions: 6 },
  ]);
  try {
    const [produceTopic, consumeTopic, replayTopic] = topics.names as [string, string, string];
    const cpuFrom = process.cpuUsage();
    const rate = await producerThroughput(kafka, produceTopic, SECONDS);
    const cpu = process.cpuUsage(cpuFrom);
    return {
      producer: { rate, cpuMsPer1000: perThousand(cpu, rate * SECONDS) },
      consume: await consumeCeiling(kafka, consumeTopic),
      replay: await replayRate(kafka, replayTopic),
    };
  } finally {
    await topics.remove();
  }
}

export async function kafkaClientsBench(): Promise<BenchReport> {
  const rows = [];
  const figures = new Map<KafkaClientName, Awaited<ReturnType<typeof measureClient>>>();
  for (const client of kafkaClients) {
    const m = await measureClient(client);
    figures.set(client, m);
    const { name, version } = kafkaClientLibrary(client);
    const library = `${name} ${version}`;
    rows.push(
      {
        client: library,
        what: 'producer ceiling (idempotent, acks=all, 100 per send, 6 partitions)',
        'events/s': round(m.producer.rate, 0),
        'CPU ms per 1,000': round(m.producer.cpuMsPer1000, 1),
      },
      {
        client: library,
        what: `consume ceiling (batch consumer, commit per batch, ${CONSUME_EVENTS.toLocaleString('en')} events)`,
        'events/s': round(m.consume.rate, 0),
        'CPU ms per 1,000': round(m.consume.cpuMsPer1000, 1),
      },
      {
        client: library,
        what: `replay into a fresh read model (${REPLAY_EVENTS.toLocaleString('en')} events)`,
        'events/s': round(m.replay.rate, 0),
        'CPU ms per 1,000': round(m.replay.cpuMsPer1000, 1),
      },
    );
  }
  const [a, b] = kafkaClients.map((c) => figures.get(c)!);
  const ratio = (x: number, y: number) => round(y / x, 2);
  return {
    title: 'Kafka clients side by side: kafkajs vs @platformatic/kafka behind the port',
    method:
      `In one run, one client after the other on the running stack's broker: the producer ceiling for ${SECONDS} s, ` +
      `the consume ceiling over ${CONSUME_EVENTS.toLocaleString('en')} events, the replay over ` +
      `${REPLAY_EVENTS.toLocaleString('en')} events; CPU is this process's, where the client runs.`,
    rows,
    notes: [
      `@platformatic/kafka ÷ kafkajs: producer ${ratio(a!.producer.rate, b!.producer.rate)}× the events/s at ` +
        `${ratio(a!.producer.cpuMsPer1000, b!.producer.cpuMsPer1000)}× the CPU per event; consume ` +
        `${ratio(a!.consume.rate, b!.consume.rate)}× at ${ratio(a!.consume.cpuMsPer1000, b!.consume.cpuMsPer1000)}×; ` +
        `replay ${ratio(a!.replay.rate, b!.replay.rate)}× at ${ratio(a!.replay.cpuMsPer1000, b!.replay.cpuMsPer1000)}×.`,
    ],
  };
}
