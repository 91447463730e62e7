import { parseArgs } from 'node:util';
import { Topics } from '@orderflow/events';
import { createKafka, partitionOfKey } from '@orderflow/messaging';
import type { StackConfig } from '../../config/stack.config';
import { UsageError, helpOption, printHelp, printJson, progress, textTable, usageOnError } from '../cli.support';
import { type EventView, payloadLine, viewOf } from './event.view';

export const orderUsage = `usage: npm run orderflow -- order ORDER_ID [--json]
  The order's whole story across the services, in the order it happened:
  every event keyed by ORDER_ID on orders.events, payments.events and
  email.events, with the time since it was placed, the time since the step
  before, and the relay time (outbox row written → appended to the topic).
  Reads the order's partition of each topic from its beginning.`;

/** The topics an order's story is on: each service's events, keyed by order id. */
const storyTopics = [Topics.ordersEvents, Topics.paymentsEvents, Topics.emailEvents];

export interface StoryStep extends EventView {
  /** From the first event of the order to this one. */
  sinceStartMs: number;
  /** From the step before (0 for the first). */
  sincePreviousMs: number;
  /** From the event's occurredAt (its outbox row) to the broker appending it. */
  relayMs: number | null;
}

export async function order(argv: string[], config: StackConfig): Promise<number> {
  const { values, positionals } = usageOnError(() =>
    parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, help: helpOption },
    }),
  );
  if (values.help) return printHelp(orderUsage);
  const [orderId, ...extra] = positionals;
  if (!orderId || extra.length > 0) throw new UsageError('order takes one ORDER_ID');
  const story = await readStory(config, orderId);
  if (values.json) {
    printJson(story);
    return story.length > 0 ? 0 : 1;
  }
  if (story.length === 0) {
    process.stderr.write(`no events keyed ${orderId} on ${storyTopics.join(', ')}\n`);
    return 1;
  }
  const ms = (n: number | null) =>
    n === null ? '-' : n < 10_000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`;
  process.stdout.write(
    textTable(
      ['OCCURRED AT', 'SINCE START', 'STEP', 'RELAY', 'TOPIC', 'TYPE', 'PAYLOAD'],
      story.map((s) => [
        s.occurredAt ?? s.appendedAt,
        ms(s.sinceStartMs),
        ms(s.sincePreviousMs),
        ms(s.relayMs),
        s.topic,
        s.type ?? `(${s.undecodable})`,
        payloadLine(s, 90),
      ]),
    ),
  );
  const last = story.at(-1)!;
  process.stdout.write(`${story.length} events over ${ms(last.sinceStartMs)}; last: ${last.type ?? '?'}\n`);
  return 0;
}

/** Every event of the order on the story topics, in the order they happened (occurredAt, then append time). */
export async function readStory(config: StackConfig, orderId: string): Promise<StoryStep[]> {
  const kafka = createKafka('orderflow-cli', [config.kafka.bootstrap]);
  const admin = kafka.admin();
  await admin.connect();
  const ranges = [];
  try {
    for (const { topic: name, partitions } of await admin.describeTopics(storyTopics)) {
      const partition = partitionOfKey(orderId, partitions.length);
      const offsets = (await admin.topicOffsets(name)).find((o) => o.partition === partition);
      ranges.push({ topic: name, partition, from: BigInt(offsets?.low ?? 0), end: BigInt(offsets?.high ?? 0) });
    }
  } finally {
    await admin.disconnect();
  }
  const total = ranges.reduce((sum, r) => sum + Number(r.end - r.from), 0);
  const bar = progress('reading', total);
  let read = 0;
  const views: EventView[] = [];
  try {
    for (const { topic, ...range } of ranges) {
      await kafka.readRanges(
        topic,
        [range],
        (messages, partition) => {
          read += messages.length;
          bar.update(read);
          for (const m of messages) if (m.key?.toString('utf8') === orderId) views.push(viewOf(topic, partition, m));
        },
        { groupPrefix: 'orderflow.cli', timeoutMs: 120_000 },
      );
    }
  } finally {
    bar.stop();
  }
  const at = (v: EventView) => Date.parse(v.occurredAt ?? v.appendedAt);
  views.sort((a, b) => at(a) - at(b) || Date.parse(a.appendedAt) - Date.parse(b.appendedAt));
  const start = views[0] ? at(views[0]) : 0;
  return views.map((v, i) => ({
    ...v,
    sinceStartMs: at(v) - start,
    sincePreviousMs: i === 0 ? 0 : at(v) - at(views[i - 1]!),
    relayMs: v.occurredAt ? Date.parse(v.appendedAt) - Date.parse(v.occurredAt) : null,
  }));
}
