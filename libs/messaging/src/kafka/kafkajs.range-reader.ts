import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { ConsumedRecord, PartitionRange, ReadRangeOptions } from './kafka.port';

/**
 * `KafkaClient.readRanges` over kafkajs, which reads only through a group:
 * a throwaway one, seeked to each range's start, that never commits and is
 * deleted afterwards so no empty group lingers (or shows up in lag readings).
 */
export async function readRanges(
  kafka: Kafka,
  topic: string,
  ranges: readonly PartitionRange[],
  onBatch: (records: ConsumedRecord[], partition: number) => Promise<void> | void,
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
          partitionsConsumedConcurrently: 3,
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
