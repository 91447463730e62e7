import { parseArgs } from 'node:util';
import { ConsumerLagMonitor, type PartitionLag, createKafka, projectLagWatch } from '@orderflow/messaging';
import type { StackConfig } from '../../config/stack.config';
import { helpOption, printHelp, printJson, textTable, usageOnError } from '../cli.support';

export const lagUsage = `usage: npm run orderflow -- lag [--group G] [--json]
  Every consumer group of the services (<service>.<purpose>): per topic and
  partition, its committed offset, the log end, the messages not consumed yet
  and how long the oldest of them has waited (read from the message itself).
  --group G  only that group`;

const maxSpan = 5_000;

export interface LagRow extends PartitionLag {
  /** When the oldest unconsumed message was appended (ISO), or null when nothing waits. */
  oldestAppendedAt: string | null;
}

export async function lag(argv: string[], config: StackConfig): Promise<number> {
  const { values } = usageOnError(() =>
    parseArgs({
      args: argv,
      strict: true,
      options: { group: { type: 'string' }, json: { type: 'boolean' }, help: helpOption },
    }),
  );
  if (values.help) return printHelp(lagUsage);
  const rows = (await readLag(config)).filter((r) => values.group === undefined || r.group === values.group);
  if (values.json) {
    printJson(rows);
    return 0;
  }
  if (rows.length === 0) {
    process.stdout.write(values.group ? `no committed offsets for group ${values.group}\n` : 'no consumer groups\n');
    return 0;
  }
  process.stdout.write(
    textTable(
      ['GROUP', 'TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'OLDEST WAITING'],
      rows.map((r) => [
        r.group,
        r.topic,
        String(r.partition),
        String(r.committed),
        String(r.end),
        String(r.messages),
        r.messages === 0 ? '-' : r.oldestAppendedAt ? `${r.seconds.toFixed(1)} s` : '?',
      ]),
    ),
  );
  const total = rows.reduce((sum, r) => sum + r.messages, 0);
  process.stdout.write(`total lag: ${total} messages\n`);
  return 0;
}

/** One reading of every project group's lag, the age of each oldest waiting message read from the topic. */
export async function readLag(config: StackConfig): Promise<LagRow[]> {
  const kafka = createKafka('orderflow-cli', [config.kafka.bootstrap]);
  const monitor = new ConsumerLagMonitor(kafka, { ...projectLagWatch, intervalMs: 60_000 });
  const lags = [...(await monitor.refresh())];
  await monitor.stop();
  if (monitor.lastError) throw new Error(`cannot read consumer lag: ${monitor.lastError}`);
  // The first message each group waits for, per topic: one short read of [committed, committed + 1).
  const appended = new Map<string, string>();
  const waiting = lags.filter((l) => l.messages > 0);
  for (const topic of new Set(waiting.map((l) => l.topic))) {
    // One read per topic: each partition from the lowest committed offset waiting on it to the highest
    // (at most `maxSpan` messages: a group further on shows no age rather than make the read long).
    const ranges = [...new Set(waiting.filter((l) => l.topic === topic).map((l) => l.partition))].map((partition) => {
      const offsets = waiting.filter((l) => l.topic === topic && l.partition === partition).map((l) => l.committed);
      const from = Math.min(...offsets);
      return { partition, from: BigInt(from), end: BigInt(Math.min(Math.max(...offsets) + 1, from + maxSpan)) };
    });
    await kafka.readRanges(
      topic,
      ranges,
      (messages, partition) => {
        for (const m of messages)
          appended.set(`${topic}/${partition}/${m.offset}`, new Date(Number(m.timestamp)).toISOString());
      },
      { groupPrefix: 'orderflow.cli', timeoutMs: 30_000 },
    );
  }
  const now = Date.now();
  return lags.map((l) => {
    const at = l.messages > 0 ? (appended.get(`${l.topic}/${l.partition}/${l.committed}`) ?? null) : null;
    return { ...l, seconds: at ? Math.max(0, (now - Date.parse(at)) / 1000) : 0, oldestAppendedAt: at };
  });
}
