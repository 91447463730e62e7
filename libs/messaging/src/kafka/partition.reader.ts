import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

/** Offsets `from` (included) to `end` (excluded) of one partition. */
export interface PartitionRange {
  partition: number;
  from: bigint;
  end: bigint;
}

/** Where a read starts in each partition. */
export type ReadStart = { kind: 'beginning' } | { kind: 'offset'; offset: bigint } | { kind: 'timestamp'; at: Date };

export interface ReadRangeOptions {
  /** The throwaway group's id starts with this (kafkajs reads only through a group), e.g. `orders.replay`. */
  groupPrefix: string;
  /** Longest the whole read may take; the ends are fixed before reading, so this only bounds a slow broker. */
  timeoutMs?: number;
  partitionsConsumedConcurrently?: number;
}

/** Each partition of `topic` from `start` up to its end now (what arrives later is not read). */
export async function partitionRanges(kafka: Kafka, topic: string, start: ReadStart): Promise<PartitionRange[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const byTime =
      start.kind === 'timestamp' ? await admin.fetchTopicOffsetsByTimestamp(topic, start.at.getTime()) : [];
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

/**
 * Reads each partition from `from` up to (not including) `end`, a batch at a
 * time in offset order, then stops. The consumer group is a throwaway one:
 * it never commits, and it is deleted afterwards so no empty group lingers
 * (or shows up in lag readings).
 */
export async function readRanges(
  kafka: Kafka,
  topic: string,
  ranges: readonly PartitionRange[],
  onBatch: (messages: KafkaMessage[], partition: number) => Promise<void> | void,
  options: ReadRangeOptions,
): Promise<void> {
  const pending = new Map(ranges.filter((p) => p.from < p.end).map((p) => [p.partition, p]));
  if (pending.size === 0) return;
  const groupId = `${options.groupPrefix}.${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    // kafkajs copies each fetch response into one buffer before decoding it;
    // responses of tens of MiB made that copy (fresh pages every time) and its
    // GC a large share of the replay's one thread in a CPU profile.
    maxBytesPerPartition: 2 * 1024 * 1024,
    maxBytes: 8 * 1024 * 1024,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(
          () => reject(new Error(`reading ${topic} took longer than ${options.timeoutMs} ms`)),
          options.timeoutMs,
        );
      }
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      void consumer.subscribe({ topic }).then(async () => {
        await consumer.run({
          autoCommit: false,
          partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
          eachBatch: async ({ batch }) => {
            const target = pending.get(batch.partition);
            if (!target) return;
            const wanted = batch.messages.filter(
              (m) => BigInt(m.offset) >= target.from && BigInt(m.offset) < target.end,
            );
            if (wanted.length > 0) await onBatch(wanted, batch.partition);
            const last = batch.messages[batch.messages.length - 1];
            if (last && BigInt(last.offset) + 1n >= target.end) {
              pending.delete(batch.partition);
              if (pending.size === 0) resolve();
            }
          },
        });
        for (const p of pending.values()) consumer.seek({ topic, partition: p.partition, offset: p.from.toString() });
      }, reject);
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => void admin.disconnect());
  }
}
