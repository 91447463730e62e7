import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseEvent } from '@orderflow/events';
import { type KafkaClient, createKafka, kafkaClientLibrary, partitionRanges } from '@orderflow/messaging';
import { loadStackConfig } from '../../infra/src/config/stack.config';
import { freshDatabase } from '../../test/support/test-database';
import { createTestTopics } from '../../test/support/test-topics';
import { decide } from '../../services/orders/src/domain/order.decide';
import { replayReadModel } from '../../services/orders/src/projections/replay.command';
import { type BenchReport, round } from './bench.results';
import { CpuSampler, formatUsage } from './cpu.sampler';
import { measureGc } from './gc.meter';

/**
 * Replay: the orders read model rebuilt from N events (default 1,000,000:
 * half OrderPlaced, half OrderConfirmed, over N/2 orders) on a topic shaped
 * like orders.events (6 partitions, keyed by order id), into a throw-away
 * database — the same code as `npm run replay`. Compared with a raw client
 * consume-only pass over the same topic. RSS sampled as the count grows.
 */
const config = loadStackConfig();
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);

/** Fills `topic` with `events` replayable events (OrderPlaced + OrderConfirmed per order); returns events/s produced. */
export async function fill(kafka: KafkaClient, topic: string, events = EVENTS): Promise<number> {
  const producer = kafka.safeProducer();
  await producer.connect();
  const started = performance.now();
  const now = new Date().toISOString();
  for (let sent = 0; sent < events;) {
    const messages = [];
    for (let i = 0; i < 500 && sent < events; i += 2, sent += 2) {
      const orderId = randomUUID();
      const meta = { orderId, now, correlationId: orderId, causationId: null };
      const [placed] = decide(
        {
          type: 'PlaceOrder',
          data: {
            customerId: `c-${i}`,
            customerEmail: 'bench@example.com',
            currency: 'EUR',
            items: [{ sku: 'B', quantity: 1, unitPriceCents: 100 }],
          },
        },
        { status: 'NONE' },
        { ...meta, eventIds: [randomUUID()] },
      );
      const confirmed = {
        ...placed!,
        eventId: randomUUID(),
        type: 'OrderConfirmed',
        aggregateVersion: 2,
        payload: { paymentEventId: randomUUID() },
      };
      messages.push(
        { key: orderId, value: JSON.stringify(placed) },
        { key: orderId, value: JSON.stringify(confirmed) },
      );
    }
    await producer.send(topic, messages);
  }
  await producer.disconnect();
  return events / ((performance.now() - started) / 1000);
}

const DECODE_SAMPLE = 100_000;

/** What decoding alone costs the replay's one thread, on messages read from the topic. */
function decodeRates(values: Buffer[]): { events: number; json: number; validated: number } {
  const rate = (work: (value: Buffer) => unknown) => {
    const started = performance.now();
    for (const value of values) work(value);
    return values.length / ((performance.now() - started) / 1000);
  };
  const json = rate((value) => JSON.parse(value.toString('utf8')));
  const validated = rate((value) => parseEvent(JSON.parse(value.toString('utf8'))));
  return { events: values.length, json, validated };
}

export async function replay(): Promise<BenchReport> {
  const brokers = [config.kafka.bootstrap];
  const kafka = createKafka('bench-replay', brokers, { logLevel: 'nothing' });
  const topics = await createTestTopics(brokers, [{ purpose: 'bench-replay', partitions: 6 }]);
  const topic = topics.names[0]!;
  try {
    const produceRate = await fill(kafka, topic);

    const rawStarted = performance.now();
    let raw = 0;
    let sample: Buffer[] = [];
    await kafka.readRanges(
      topic,
      await partitionRanges(kafka, topic, { kind: 'beginning' }),
      (messages) => {
        raw += messages.length;
        for (const m of messages) if (sample.length < DECODE_SAMPLE && m.value) sample.push(m.value);
      },
      { groupPrefix: 'bench.replay' },
    );
    const rawRate = raw / ((performance.now() - rawStarted) / 1000);
    const decode = decodeRates(sample);
    sample = [];

    const db = await freshDatabase('orders_replay_bench', 'orders');
    const sampler = await CpuSampler.forStack();
    const cpuFrom = sampler.sample();
    const rss: Record<number, number> = {};
    const marks = [100_000, 500_000, 1_000_000].filter((m) => m <= EVENTS);
    let readAll = 0;
    const { result, gc } = await measureGc(() =>
      replayReadModel(
        db.pool,
        kafka,
        { kind: 'beginning' },
        (done, total) => {
          for (const mark of marks) if (done >= mark && rss[mark] === undefined) rss[mark] = process.memoryUsage().rss;
          if (done === total) readAll = performance.now();
        },
        topic,
      ),
    );
    const swapSeconds = (performance.now() - readAll) / 1000;
    const cpu = CpuSampler.usage(cpuFrom, sampler.sample());
    await db.drop();
    const replayRate = result.events / result.seconds;
    return {
      title: `Replay: orders read model from ${EVENTS.toLocaleString('en')} events`,
      method:
        `Events produced onto a 6-partition topic keyed by order id, then (1) a raw ${kafkaClientLibrary().name} consume-only pass, (2) the replay ` +
        'command’s code into a fresh database: decode + zod parse, fold in memory, COPY into a table beside the live one ' +
        '(two writes in flight), then its secondary indexes and the swap.',
      rows: [
        {
          what: `raw ${kafkaClientLibrary().name} consume-only pass`,
          'events/s': round(rawRate, 0),
          'ratio to raw': 1,
        },
        {
          what: 'replay into orders_view_v1',
          'events/s': round(replayRate, 0),
          'ratio to raw': round(replayRate / rawRate, 2),
        },
        {
          what: `decoding alone, one thread: JSON.parse (${decode.events.toLocaleString('en')} events)`,
          'events/s': round(decode.json, 0),
          'ratio to raw': round(decode.json / rawRate, 2),
        },
        {
          what: 'decoding alone, one thread: JSON.parse + parseEvent (zod)',
          'events/s': round(decode.validated, 0),
          'ratio to raw': round(decode.validated / rawRate, 2),
        },
        { what: '(filling the topic: idempotent producer)', 'events/s': round(produceRate, 0), 'ratio to raw': '' },
        ...marks.map((m) => ({
          what: `replay RSS at ${m.toLocaleString('en')} events`,
          'events/s': `${round((rss[m] ?? 0) / 2 ** 20, 0)} MiB`,
          'ratio to raw': '',
        })),
      ],
      notes: [
        `${result.orders.toLocaleString('en')} orders in the rebuilt read model.`,
        `CPU during the replay (% of one core; the replay runs in the load generator's process): ${formatUsage(cpu)}.`,
        `Of the replay's ${round(result.seconds, 1)} s, reading and folding took ${round(result.seconds - swapSeconds, 1)} s ` +
          `(${round(result.events / (result.seconds - swapSeconds) / 1000, 0)}k events/s), the last writes, the secondary ` +
          `indexes and the swap ${round(swapSeconds, 1)} s.`,
        `Garbage collection in the replay's thread: ${round(gc.scavengeMs / 1000, 2)} s of scavenges, ` +
          `${round(gc.markCompactMs / 1000, 2)} s of mark-compact, ${round(gc.otherMs / 1000, 2)} s other ` +
          `(${round(((gc.scavengeMs + gc.markCompactMs + gc.otherMs) / 1000 / result.seconds) * 100, 0)} % of the replay's time).`,
      ],
    };
  } finally {
    await topics.remove();
  }
}
