import type { TopicDescription } from './kafka.port';

/**
 * Waits (at most 10 s) until each topic has its expected partitions, each
 * with a leader: a topic just created or grown answers "not the leader" to
 * offset requests until then. Both adapters' admins wait so before resolving
 * `createTopics` and `growPartitions`.
 */
export async function awaitLeaders(
  describe: (topics: readonly string[]) => Promise<TopicDescription[]>,
  expected: readonly { topic: string; partitions: number }[],
): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const described = await describe(expected.map((e) => e.topic)).catch(() => []);
    const led = expected.every(({ topic, partitions }) => {
      const found = described.find((d) => d.topic === topic);
      return found?.partitions.length === partitions && found.partitions.every((p) => p.leader >= 0);
    });
    if (led || Date.now() > deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
