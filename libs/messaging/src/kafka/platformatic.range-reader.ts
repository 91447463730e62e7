import { randomUUID } from 'node:crypto';
import { Admin, Consumer, type Message } from '@platformatic/kafka';
import type { ConsumedRecord, PartitionRange, ReadRangeOptions } from './kafka.port';
import { consumedRecordOf } from './platformatic.consumer';
import type { PlatformaticSettings } from './platformatic.settings';

/**
 * `KafkaClient.readRanges` over @platformatic/kafka, which reads only through
 * a group: a throwaway one whose stream starts at each range's start (manual
 * offsets), never commits, and is deleted afterwards so no empty group lingers.
 * Records arrive one at a time; they are handed on in runs per partition,
 * flushed whenever the stream's buffer is drained.
 */
export async function readRanges(
  settings: PlatformaticSettings,
  topic: string,
  ranges: readonly PartitionRange[],
  onBatch: (records: ConsumedRecord[], partition: number) => Promise<void> | void,
  options: ReadRangeOptions,
): Promise<void> {
  const pending = new Map(ranges.filter((p) => p.from < p.end).map((p) => [p.partition, p]));
  if (pending.size === 0) return;
  const groupId = `${options.groupPrefix}.${randomUUID()}`;
  const consumer = new Consumer({
    ...settings.base,
    groupId,
    autocommit: false,
    maxWaitTime: 100,
    maxBytesPerPartition: 2 * 1024 * 1024,
    maxBytes: 8 * 1024 * 1024,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const stream = await consumer.consume({
      topics: [topic],
      mode: 'manual',
      offsets: [...pending.values()].map((p) => ({ topic, partition: p.partition, offset: p.from })),
      fallbackMode: 'latest',
    });
    const reading = (async () => {
      const runs = new Map<number, ConsumedRecord[]>();
      const flush = async () => {
        for (const [partition, records] of runs) if (records.length > 0) await onBatch(records, partition);
        runs.clear();
      };
      for await (const message of stream as AsyncIterable<Message>) {
        const target = pending.get(message.partition);
        if (target && message.offset >= target.from && message.offset < target.end) {
          const run = runs.get(message.partition) ?? [];
          run.push(consumedRecordOf(message));
          runs.set(message.partition, run);
        }
        if (target && message.offset + 1n >= target.end) pending.delete(message.partition);
        if (pending.size === 0 || stream.readableLength === 0 || (runs.get(message.partition)?.length ?? 0) >= 1_000)
          await flush();
        if (pending.size === 0) break;
      }
      await flush();
    })();
    const timeout = new Promise<never>((_, reject) => {
      if (options.timeoutMs !== undefined)
        timer = setTimeout(
          () => reject(new Error(`reading ${topic} took longer than ${options.timeoutMs} ms`)),
          options.timeoutMs,
        );
    });
    await Promise.race([reading, timeout]);
    await stream.close().catch(() => undefined);
  } finally {
    clearTimeout(timer);
    await consumer.close(true).catch(() => undefined);
    const admin = new Admin(settings.base);
    await admin
      .deleteGroups({ groups: [groupId] })
      .catch(() => undefined)
      .finally(() => void admin.close());
  }
}
