/**
 * Rebuilds the orders read model from `orders.events` alone, or one order's
 * state from the topic by key.
 *
 *   replay --from-beginning            rebuild orders_view_v1 beside the live one from every event, then swap
 *   replay --from-offset N             fold events from offset N of every partition onto the rows there
 *   replay --from-timestamp 2026-11-24T10:00:00Z   likewise, from the first offset at or after that time
 *   replay --order <id>                print one order's state, folded from its partition of the topic
 *
 * From an offset or a time it folds onto the live rows, up to the end offsets
 * taken at start; the live projection goes on with what comes after, and the
 * version guard in `projectEvents` makes their overlap harmless. From the
 * beginning it builds a new table (see OrderViewRebuild), catches up with what
 * arrived meanwhile while the live projection waits, and swaps it in. Needs
 * DATABASE_URL (the orders database) and KAFKA_BROKERS; `npm run replay -- …`
 * sets them from the stack.
 */
import { performance } from 'node:perf_hooks';
import { parseEvent, Topics } from '@orderflow/events';
import {
  type ConsumedRecord,
  type KafkaClient,
  type PartitionRange,
  type ReadStart,
  createKafka,
  inTransaction,
  partitionOfKey,
  partitionRanges,
} from '@orderflow/messaging';
import { ServiceEnv, loadServiceConfig } from '@orderflow/platform';
import { SingleBar } from 'cli-progress';
import { Pool } from 'pg';
import { type OrderEvent, fold, isOrderEvent } from '../domain/order';
import { ORDER_VIEW_TABLE, projectEvents } from './order-view.projection';
import { OrderViewRebuild, REBUILD_TABLE } from './order-view.rebuild';

export type Start = ReadStart;

const ReplayEnv = ServiceEnv.pick({ DATABASE_URL: true, KAFKA_BROKERS: true });

export interface ReplayResult {
  events: number;
  skipped: number;
  orders: number;
  seconds: number;
}

export async function replayReadModel(
  pool: Pool,
  kafka: KafkaClient,
  start: Start,
  onProgress: (done: number, total: number) => void = () => undefined,
  topic: string = Topics.ordersEvents,
): Promise<ReplayResult> {
  const started = performance.now();
  const range = await partitionRanges(kafka, topic, start);
  const total = range.reduce((sum, p) => sum + Number(p.end - p.from), 0);
  let done = 0;
  let skipped = 0;
  const decoded = (messages: ConsumedRecord[]) => {
    const events = decodeOrderEvents(messages);
    skipped += messages.length - events.length;
    done += messages.length;
    return events;
  };

  if (start.kind === 'beginning') {
    const rebuild = await OrderViewRebuild.start(pool);
    try {
      await readRange(kafka, topic, range, async (messages) => {
        await rebuild.apply(decoded(messages));
        onProgress(done, total);
      });
      await rebuild.swap(async (tx) => {
        const rest = await rangeAfter(kafka, topic, range);
        await readRange(kafka, topic, rest, async (messages) => {
          await projectEvents(tx, decoded(messages), REBUILD_TABLE);
        });
      });
    } catch (error) {
      await rebuild.abandon();
      throw error;
    }
  } else {
    await readRange(kafka, topic, range, async (messages) => {
      const events = decoded(messages);
      await inTransaction(pool, (tx) => projectEvents(tx, events));
      onProgress(done, total);
    });
  }
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${ORDER_VIEW_TABLE}`);
  return {
    events: done - skipped,
    skipped,
    orders: Number(rows[0]?.n ?? 0),
    seconds: (performance.now() - started) / 1000,
  };
}

/** One order's state, folded from the events with its key on its partition of the topic. */
export async function replayOrder(kafka: KafkaClient, orderId: string) {
  const admin = kafka.admin();
  await admin.connect();
  const [metadata] = await admin.describeTopics([Topics.ordersEvents]);
  const ends = await admin.topicOffsets(Topics.ordersEvents);
  await admin.disconnect();
  // The broker's default partitioner (murmur2 of the key), which Debezium's producer uses.
  const partition = partitionOfKey(orderId, metadata?.partitions.length ?? 1);
  const end = BigInt(ends.find((e) => e.partition === partition)?.high ?? '0');
  const low = BigInt(ends.find((e) => e.partition === partition)?.low ?? '0');
  const events: OrderEvent[] = [];
  await readRange(kafka, Topics.ordersEvents, [{ partition, from: low, end }], async (messages) => {
    events.push(...decodeOrderEvents(messages.filter((m) => m.key?.toString() === orderId)));
  });
  return fold(events);
}

/** From where `previous` ended up to each partition's end now. */
async function rangeAfter(kafka: KafkaClient, topic: string, previous: PartitionRange[]): Promise<PartitionRange[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.topicOffsets(topic);
    return previous.map(({ partition, end }) => ({
      partition,
      from: end,
      end: BigInt(ends.find((e) => e.partition === partition)?.high ?? end),
    }));
  } finally {
    await admin.disconnect();
  }
}

/** Reads each partition's range, a batch at a time, through a throwaway `orders.replay.*` group. */
const readRange = (
  kafka: KafkaClient,
  topic: string,
  range: PartitionRange[],
  onBatch: (messages: ConsumedRecord[]) => Promise<void>,
) => kafka.readRanges(topic, range, onBatch, { groupPrefix: 'orders.replay' });

/** Messages that are not order events (a bad message the live consumer dead-lettered) are skipped. */
function decodeOrderEvents(messages: ConsumedRecord[]): OrderEvent[] {
  const events: OrderEvent[] = [];
  for (const message of messages) {
    try {
      const event = parseEvent(JSON.parse(message.value?.toString('utf8') ?? 'null'));
      if (isOrderEvent(event)) events.push(event);
    } catch {
      /* counted as skipped */
    }
  }
  return events;
}

function parseArgs(argv: string[]): { start: Start; orderId?: string } {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const orderId = value('--order');
  if (orderId) return { start: { kind: 'beginning' }, orderId };
  const offset = value('--from-offset');
  if (offset !== undefined) {
    if (!/^\d+$/.test(offset)) throw new Error('--from-offset takes a whole number');
    return { start: { kind: 'offset', offset: BigInt(offset) } };
  }
  const at = value('--from-timestamp');
  if (at !== undefined) {
    const date = new Date(at);
    if (Number.isNaN(date.getTime())) throw new Error('--from-timestamp takes an ISO-8601 time');
    return { start: { kind: 'timestamp', at: date } };
  }
  if (argv.includes('--from-beginning')) return { start: { kind: 'beginning' } };
  throw new Error('usage: replay --from-beginning | --from-offset N | --from-timestamp ISO | --order ID');
}

async function main(): Promise<void> {
  const { start, orderId } = parseArgs(process.argv.slice(2));
  const env = loadServiceConfig(ReplayEnv);
  const kafka = createKafka('orders-replay', env.KAFKA_BROKERS, { logLevel: 'error' });
  if (orderId) {
    process.stdout.write(`${JSON.stringify(await replayOrder(kafka, orderId), null, 2)}\n`);
    return;
  }
  const pool = new Pool({ connectionString: env.DATABASE_URL, max: 4 });
  const bar = new SingleBar({
    format: 'replay [{bar}] {percentage}% | {value}/{total} events | {eta_formatted} left',
    stream: process.stderr,
  });
  let barStarted = false;
  try {
    const result = await replayReadModel(pool, kafka, start, (done, total) => {
      if (!barStarted) bar.start(total, 0);
      barStarted = true;
      bar.update(done);
    });
    if (barStarted) bar.stop();
    process.stdout.write(
      `replayed ${result.events} events (${result.skipped} skipped) into ${result.orders} orders in ` +
        `${result.seconds.toFixed(1)} s (${Math.round(result.events / Math.max(result.seconds, 0.001))} events/s)\n`,
    );
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`replay: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
