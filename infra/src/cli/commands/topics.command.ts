import { parseArgs } from 'node:util';
import { createKafka } from '@orderflow/messaging';
import type { StackConfig } from '../../config/stack.config';
import { helpOption, printHelp, printJson, textTable, usageOnError } from '../cli.support';

export const topicsUsage = `usage: npm run orderflow -- topics [--all] [--json]
  The project's topics: partitions, replicas, each partition's first and end
  offsets, the messages held, and the configs that matter (cleanup policy,
  retention, min.insync.replicas). --all also lists Kafka's and Connect's own.`;

/** The configs shown; the rest is in --json's `configs` only when set on the topic. */
const shownConfigs = ['cleanup.policy', 'retention.ms', 'min.insync.replicas'] as const;

export interface TopicInfo {
  topic: string;
  partitions: { partition: number; leader: number; replicas: number[]; isr: number[]; low: string; high: string }[];
  messages: number;
  configs: Record<string, string>;
}

export async function topics(argv: string[], config: StackConfig): Promise<number> {
  const { values } = usageOnError(() =>
    parseArgs({
      args: argv,
      strict: true,
      options: { all: { type: 'boolean' }, json: { type: 'boolean' }, help: helpOption },
    }),
  );
  if (values.help) return printHelp(topicsUsage);
  const infos = await readTopics(config, values.all === true);
  if (values.json) {
    printJson(infos);
    return 0;
  }
  process.stdout.write(
    textTable(
      ['TOPIC', 'PARTITIONS', 'REPLICAS', 'MESSAGES', ...shownConfigs.map((c) => c.toUpperCase()), 'END OFFSETS'],
      infos.map((t) => [
        t.topic,
        String(t.partitions.length),
        String(t.partitions[0]?.replicas.length ?? 0),
        String(t.messages),
        ...shownConfigs.map((c) => t.configs[c] ?? '-'),
        t.partitions.map((p) => `${p.partition}:${p.high}`).join(' '),
      ]),
    ),
  );
  return 0;
}

export async function readTopics(config: StackConfig, all: boolean): Promise<TopicInfo[]> {
  const admin = createKafka('orderflow-cli', [config.kafka.bootstrap]).admin();
  await admin.connect();
  try {
    const names = (await admin.listTopics())
      .filter((t) => all || (!t.startsWith('_') && !t.startsWith('connect-')))
      .sort();
    if (names.length === 0) return [];
    const metadata = await admin.describeTopics(names);
    const configs = await admin.topicConfigs(names);
    const infos: TopicInfo[] = [];
    for (const name of names) {
      const offsets = await admin.topicOffsets(name);
      const partitions = (metadata.find((m) => m.topic === name)?.partitions ?? [])
        .map((p) => {
          const o = offsets.find((x) => x.partition === p.partition);
          return { ...p, low: o?.low ?? '0', high: o?.high ?? '0' };
        })
        .sort((a, b) => a.partition - b.partition);
      infos.push({
        topic: name,
        partitions,
        messages: partitions.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0),
        configs: configs.get(name) ?? {},
      });
    }
    return infos;
  } finally {
    await admin.disconnect();
  }
}
