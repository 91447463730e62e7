import { randomUUID } from 'node:crypto';
import { Admin, Consumer, type Message } from '@platformatic/kafka';
import type { ConsumedRecord, PartitionRange, ReadRangeOptions } from './kafka.port';
import { consumedRecordOf } from './platformatic.consumer';
import type { PlatformaticSettings } from './platformatic.settings';

/**
 * `KafkaClient.readRanges` over @platformatic/kafka, which reads only through
 * a group: a throwaway one whose stream starts at each range's start (manual
 * offsets), never commits, and is deleted afterwards so no empty group lingers.
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
    // Records arrive one 'data' event at a time, a fetch response at once: they are
    // gathered per partition and handed on after the response (setImmediate),
    // with the stream paused while `onBatch` works, one hand-over after the other.
    const reading = new Promise<void>((resolve, reject) => {
      const runs = new Map<number, ConsumedRecord[]>();
      let handing: Promise<void> = Promise.resolve();
      let queued = false;
      const handOver = async () => {
        queued = false;
        stream.pause();
        const batches = [...runs];
        runs.clear();
        for (const [partition, records] of batches) await onBatch(records, partition);
        if (pending.size === 0) resolve();
        else stream.resume();
      };
      stream.on('data', (message: Message) => {
        const target = pending.get(message.partition);
        if (!target) return;
        if (message.offset >= target.from && message.offset < target.end) {
          const run = runs.get(message.partition);
          if (run) run.push(consumedRecordOf(message));
          else runs.set(message.partition, [consumedRecordOf(message)]);
        }
        if (message.offset + 1n >= target.end) pending.delete(message.partition);
        if (!queued) {
          queued = true;
          setImmediate(() => {
            handing = handing.then(handOver).catch(reject);
          });
        }
      });
      stream.on('error', reject);
    });
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
