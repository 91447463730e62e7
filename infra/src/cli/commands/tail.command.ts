import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createKafka, partitionOfKey } from '@orderflow/messaging';
import type { StackConfig } from '../../config/stack.config';
import { UsageError, helpOption, printHelp, usageOnError } from '../cli.support';
import { type EventView, payloadLine, viewOf } from './event.view';

export const tailUsage = `usage: npm run orderflow -- tail TOPIC [--key K] [--from-beginning] [--max N] [--for SECONDS] [--json]
  Prints the events arriving on TOPIC, decoded (time appended, partition/offset,
  key, type, event id, payload), until Ctrl-C.
  --key K           only events with this key (an order id): only its partition is read
  --from-beginning  the topic's history first, then what arrives
  --max N           stop after N events
  --for SECONDS     stop after this long
  --json            one JSON object per line`;

export async function tail(argv: string[], config: StackConfig): Promise<number> {
  const { values, positionals } = usageOnError(() =>
    parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        key: { type: 'string' },
        'from-beginning': { type: 'boolean' },
        max: { type: 'string' },
        for: { type: 'string' },
        json: { type: 'boolean' },
        help: helpOption,
      },
    }),
  );
  if (values.help) return printHelp(tailUsage);
  const [topic, ...extra] = positionals;
  if (!topic || extra.length > 0) throw new UsageError('tail takes one TOPIC');
  const max = positiveNumber(values.max, '--max');
  const seconds = positiveNumber(values.for, '--for');

  const kafka = createKafka('orderflow-cli', [config.kafka.bootstrap]);
  const admin = kafka.admin();
  await admin.connect();
  const [metadata] = await admin.describeTopics([topic]).catch(() => []);
  if (!metadata) {
    await admin.disconnect();
    throw new UsageError(`no topic '${topic}'`);
  }
  const partitions =
    values.key === undefined
      ? metadata.partitions.map((p) => p.partition)
      : [partitionOfKey(values.key, metadata.partitions.length)];
  const offsets = await admin.topicOffsets(topic);
  const groupId = `orderflow.cli.tail.${randomUUID()}`;
  const consumer = kafka.tail({
    groupId,
    topics: [topic],
    startAt: partitions.map((partition) => {
      const o = offsets.find((x) => x.partition === partition);
      return { topic, partition, offset: (values['from-beginning'] ? o?.low : o?.high) ?? '0' };
    }),
    fetchMaxWaitMs: 100,
  });
  let printed = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const timer = seconds === undefined ? undefined : setTimeout(finish, seconds * 1000);
  process.once('SIGINT', finish);
  try {
    await consumer.run((record) => {
      if (!partitions.includes(record.partition) || (max !== undefined && printed >= max)) return;
      const view = viewOf(topic, record.partition, record);
      if (values.key !== undefined && view.key !== values.key) return;
      process.stdout.write(values.json ? `${JSON.stringify(view)}\n` : `${line(view)}\n`);
      printed += 1;
      if (max !== undefined && printed >= max) finish();
    });
    await finished;
  } finally {
    clearTimeout(timer);
    await consumer.stop();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
  return 0;
}

const line = (v: EventView) =>
  `${v.appendedAt}  ${v.partition}/${v.offset}  ${v.key ?? '-'}  ${v.type ?? `(${v.undecodable})`}  ${v.eventId ?? '-'}  ${payloadLine(v)}`;

function positiveNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} takes a positive number`);
  return n;
}
