import { randomUUID } from 'node:crypto';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { createKafka } from '../kafka/kafka.settings';
import type { DeadLetterRecord } from './dead-letter.record';

export interface ReadDeadLettersOptions {
  brokers: string[];
  /** A dead-letter topic, e.g. `orders.dlq`. */
  topic: string;
  /** Longest the read may take; the end is fixed before reading, so this only bounds a slow broker. */
  timeoutMs?: number;
  /** Most dead letters read at once: a topic holding more needs another tool, not a bigger array. */
  maxRecords?: number;
}

interface Range {
  partition: number;
  from: bigint;
  end: bigint;
}

/**
 * Every dead letter on `topic`, from its beginning to the end measured when
 * the read starts (what arrives meanwhile waits for the next read), in
 * partition and offset order.
 *
 * kafkajs reads only through a consumer group: this one has a random id,
 * never commits an offset and is deleted afterwards, so nothing is left
 * behind and no live group is moved.
 */
export async function readDeadLetters(options: ReadDeadLettersOptions): Promise<DeadLetterRecord[]> {
  const { brokers, topic, timeoutMs = 30_000, maxRecords = 100_000 } = options;
  const kafka = createKafka('orderflow-dlq-reader', brokers);
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `orderflow.dlq-reader.${randomUUID()}`;
  try {
    const ranges: Range[] = (await admin.fetchTopicOffsets(topic))
      .map((p) => ({ partition: p.partition, from: BigInt(p.low), end: BigInt(p.high) }))
      .filter((p) => p.from < p.end);
    const total = ranges.reduce((sum, p) => sum + Number(p.end - p.from), 0);
    if (total > maxRecords)
      throw new Error(`${topic} holds ${total} dead letters, more than the ${maxRecords} read at once`);
    if (total === 0) return [];

    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      const records = await readRanges(consumer, topic, ranges, timeoutMs);
      return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    } finally {
      await consumer.disconnect();
    }
  } finally {
    // An empty group would expire on its own; deleting it keeps `kafka-consumer-groups --list` readable.
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

function readRanges(consumer: Consumer, topic: string, ranges: Range[], timeoutMs: number) {
  const pending = new Map(ranges.map((r) => [r.partition, r]));
  const records: DeadLetterRecord[] = [];
  return new Promise<DeadLetterRecord[]>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`reading ${topic} took longer than ${timeoutMs} ms (${records.length} read)`)),
      timeoutMs,
    );
    const done = (error?: unknown) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(records);
    };
    consumer.on(consumer.events.CRASH, ({ payload }) => done(payload.error));
    consumer
      .subscribe({ topic })
      .then(() =>
        consumer.run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const range = pending.get(batch.partition);
            if (!range) return;
            for (const message of batch.messages) {
              if (BigInt(message.offset) < range.end) records.push(toRecord(topic, batch.partition, message));
            }
            const last = batch.messages[batch.messages.length - 1];
            if (last && BigInt(last.offset) + 1n >= range.end) {
              pending.delete(batch.partition);
              if (pending.size === 0) done();
            }
          },
        }),
      )
      .then(() => {
        for (const r of ranges) consumer.seek({ topic, partition: r.partition, offset: r.from.toString() });
      })
      .catch(done);
  });
}

/** Header values Kafka stored as null (Debezium writes one for a null column) cannot be produced again: dropped. */
function toRecord(topic: string, partition: number, message: KafkaMessage): DeadLetterRecord {
  const headers: DeadLetterRecord['headers'] = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const values = (Array.isArray(value) ? value : [value])
      .filter((v): v is Buffer | string => v !== null && v !== undefined)
      .map((v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)));
    if (values.length > 0) headers[name] = values.length === 1 ? values[0]! : values;
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers,
    timestamp: new Date(Number(message.timestamp)).toISOString(),
  };
}
