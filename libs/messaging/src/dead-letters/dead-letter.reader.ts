import type { ConsumedRecord, KafkaClient } from '../kafka/kafka.port';
import { partitionRanges } from '../kafka/partition.reader';
import type { DeadLetterRecord } from './dead-letter.record';

export interface ReadDeadLettersOptions {
  /** A dead-letter topic, e.g. `orders.dlq`. */
  topic: string;
  /** Longest the read may take; the end is fixed before reading, so this only bounds a slow broker. */
  timeoutMs?: number;
  /** Most dead letters read at once: a topic holding more needs another tool, not a bigger array. */
  maxRecords?: number;
}

/**
 * Every dead letter on `topic`, from its beginning to the end measured when
 * the read starts (what arrives meanwhile waits for the next read), in
 * partition and offset order. No live group is moved: the read goes through
 * a throwaway group (`KafkaClient.readRanges`).
 */
export async function readDeadLetters(
  kafka: KafkaClient,
  options: ReadDeadLettersOptions,
): Promise<DeadLetterRecord[]> {
  const { topic, timeoutMs = 30_000, maxRecords = 100_000 } = options;
  const ranges = await partitionRanges(kafka, topic, { kind: 'beginning' });
  const total = ranges.reduce((sum, p) => sum + Number(p.end - p.from), 0);
  if (total > maxRecords)
    throw new Error(`${topic} holds ${total} dead letters, more than the ${maxRecords} read at once`);
  const records: DeadLetterRecord[] = [];
  await kafka.readRanges(
    topic,
    ranges,
    (messages, partition) => void records.push(...messages.map((m) => toRecord(topic, partition, m))),
    { groupPrefix: 'orderflow.dlq-reader', timeoutMs },
  );
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** Header values Kafka stored as null (Debezium writes one for a null column) cannot be produced again: dropped. */
function toRecord(topic: string, partition: number, message: ConsumedRecord): DeadLetterRecord {
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
