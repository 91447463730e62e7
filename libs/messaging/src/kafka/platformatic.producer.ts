import { ProduceAcks, Producer } from '@platformatic/kafka';
import type { OutgoingHeaderValue, OutgoingRecord, RecordPosition, RecordProducer } from './kafka.port';
import { partitionOfKey } from './key.partitioner';
import { positionsOf } from './record.positions';
import type { PlatformaticSettings } from './platformatic.settings';

/**
 * The safe producer over @platformatic/kafka: idempotent, acks=all, retrying
 * without limit (a send waits out a broker restart). Each record's partition is
 * ours, set before the send — the Java client's murmur2 of the key, as Kafka
 * Connect places it (the library's own default partitioner is not the Java
 * one) — so where each record landed follows from the broker's answer.
 */
export class PlatformaticProducer implements RecordProducer {
  private producer: Producer | undefined;
  private roundRobin = 0;

  constructor(private readonly settings: PlatformaticSettings) {}

  async connect(): Promise<void> {
    this.producer ??= new Producer({
      ...this.settings.base,
      idempotent: true,
      acks: ProduceAcks.ALL,
      retries: true,
      autocreateTopics: false,
    });
    await this.producer.metadata({ topics: [] });
  }

  async send(topic: string, records: readonly OutgoingRecord[]): Promise<RecordPosition[]> {
    const producer = this.producer;
    if (!producer) throw new Error('the producer is not connected');
    const metadata = await producer.metadata({ topics: [topic] });
    const partitions = metadata.topics.get(topic)?.partitionsCount;
    if (!partitions) throw new Error(`topic ${topic} has no partitions`);
    const placed = records.map((r) => r.partition ?? this.partitionOf(r.key, partitions));
    const result = await producer.send({
      messages: records.map((record, i) => ({
        topic,
        partition: placed[i]!,
        key: toBuffer(record.key),
        value: toBuffer(record.value),
        ...(record.headers ? { headers: headerMap(record.headers) } : {}),
      })),
    });
    const acks = (result.offsets ?? []).map(({ partition, offset }) => ({ partition, firstOffset: offset }));
    return positionsOf(placed, acks);
  }

  async disconnect(): Promise<void> {
    await this.producer?.close();
    this.producer = undefined;
  }

  private partitionOf(key: OutgoingRecord['key'], partitions: number): number {
    if (key !== null) return partitionOfKey(key, partitions);
    this.roundRobin = (this.roundRobin + 1) % partitions;
    return this.roundRobin;
  }
}

const toBuffer = (value: Buffer | string | null): Buffer | undefined =>
  value === null ? undefined : typeof value === 'string' ? Buffer.from(value, 'utf8') : value;

/** Keyed by Buffer, not string: distinct keys let one header name repeat, as a record's headers may. */
function headerMap(headers: Readonly<Record<string, OutgoingHeaderValue>>): Map<Buffer, Buffer> {
  const map = new Map<Buffer, Buffer>();
  for (const [name, value] of Object.entries(headers)) {
    for (const one of Array.isArray(value) ? value : [value]) map.set(Buffer.from(name), toBuffer(one)!);
  }
  return map;
}
