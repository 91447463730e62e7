import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { type TopicDeclaration, topicDeclarations } from './topics.declaration';

/**
 * Creates missing topics and brings existing ones to their declaration
 * (configs, and partitions, which can only grow). Safe to run any number of times.
 */
export async function provisionTopics(
  bootstrap: string,
  declarations: readonly TopicDeclaration[] = topicDeclarations,
): Promise<{ created: string[]; updated: string[] }> {
  const admin = new Kafka({ clientId: 'orderflow-provision', brokers: [bootstrap], logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = declarations.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor,
          configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    const present = declarations.filter((t) => existing.has(t.name));
    const updated: string[] = [];
    if (present.length > 0) {
      const { topics } = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
      const grow = present.filter(
        (t) => (topics.find((m) => m.name === t.name)?.partitions.length ?? 0) < t.partitions,
      );
      if (grow.length > 0) {
        await admin.createPartitions({ topicPartitions: grow.map((t) => ({ topic: t.name, count: t.partitions })) });
      }
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: present.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.name })),
      });
      const drifted = present.filter((t) => {
        const actual = resources.find((r) => r.resourceName === t.name)?.configEntries ?? [];
        return Object.entries(t.configs).some(([k, v]) => actual.find((e) => e.configName === k)?.configValue !== v);
      });
      if (drifted.length > 0) {
        await admin.alterConfigs({
          validateOnly: false,
          resources: drifted.map((t) => ({
            type: ConfigResourceTypes.TOPIC,
            name: t.name,
            configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
          })),
        });
      }
      updated.push(...new Set([...grow, ...drifted].map((t) => t.name)));
    }
    return { created: missing.map((t) => t.name), updated };
  } finally {
    await admin.disconnect();
  }
}
