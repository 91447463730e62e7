import { createKafka } from '@orderflow/messaging';
import { type TopicDeclaration, topicDeclarations } from './topics.declaration';

/**
 * Creates missing topics and brings existing ones to their declaration
 * (configs, and partitions, which can only grow). Safe to run any number of times.
 */
export async function provisionTopics(
  bootstrap: string,
  declarations: readonly TopicDeclaration[] = topicDeclarations,
): Promise<{ created: string[]; updated: string[] }> {
  const admin = createKafka('orderflow-provision', [bootstrap], { logLevel: 'error' }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = declarations.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      await admin.createTopics(
        missing.map((t) => ({
          topic: t.name,
          partitions: t.partitions,
          replicationFactor: t.replicationFactor,
          configs: t.configs,
        })),
      );
    }
    const present = declarations.filter((t) => existing.has(t.name));
    const updated: string[] = [];
    if (present.length > 0) {
      const topics = await admin.describeTopics(present.map((t) => t.name));
      const grow = present.filter(
        (t) => (topics.find((m) => m.topic === t.name)?.partitions.length ?? 0) < t.partitions,
      );
      if (grow.length > 0) {
        await admin.growPartitions(grow.map((t) => ({ topic: t.name, partitions: t.partitions })));
      }
      const configs = await admin.topicConfigs(present.map((t) => t.name));
      const drifted = present.filter((t) => {
        const actual = configs.get(t.name) ?? {};
        return Object.entries(t.configs).some(([k, v]) => actual[k] !== v);
      });
      if (drifted.length > 0) {
        await admin.alterTopicConfigs(drifted.map((t) => ({ topic: t.name, configs: t.configs })));
      }
      updated.push(...new Set([...grow, ...drifted].map((t) => t.name)));
    }
    return { created: missing.map((t) => t.name), updated };
  } finally {
    await admin.disconnect();
  }
}
