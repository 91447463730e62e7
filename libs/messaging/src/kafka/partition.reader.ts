import type { KafkaClient, PartitionRange } from './kafka.port';

/** Where a read starts in each partition. */
export type ReadStart = { kind: 'beginning' } | { kind: 'offset'; offset: bigint } | { kind: 'timestamp'; at: Date };

/**
 * Each partition of `topic` from `start` up to its end now (what arrives later
 * is not read): the ranges to hand `KafkaClient.readRanges`.
 */
export async function partitionRanges(kafka: KafkaClient, topic: string, start: ReadStart): Promise<PartitionRange[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.topicOffsets(topic);
    const byTime = start.kind === 'timestamp' ? await admin.offsetsAt(topic, start.at) : [];
    return ends.map(({ partition, low, high }) => {
      const end = BigInt(high);
      const from =
        start.kind === 'beginning'
          ? BigInt(low)
          : start.kind === 'offset'
            ? start.offset
            : BigInt(byTime.find((t) => t.partition === partition)?.offset ?? high);
      const clamped = from < BigInt(low) ? BigInt(low) : from > end ? end : from;
      return { partition, from: clamped, end };
    });
  } finally {
    await admin.disconnect();
  }
}
