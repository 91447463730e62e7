import { ProduceAcks, Producer } from '@platformatic/kafka';
import type {
  KafkaTransaction,
  OutgoingHeaderValue,
  OutgoingRecord,
  PartitionBatch,
  RecordPosition,
  RecordProducer,
  TransactionalProducer,
} from './kafka.port';
import { transactionalBatches } from './platformatic.consumer';
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
  private readonly placement = new Placement();

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
    const { placed, messages } = await this.placement.place(producer, topic, records);
    const result = await producer.send({ messages });
    const acks = (result.offsets ?? []).map(({ partition, offset }) => ({ partition, firstOffset: offset }));
    return positionsOf(placed, acks);
  }

  async disconnect(): Promise<void> {
    await this.producer?.close();
    this.producer = undefined;
  }
}

/** Each record's partition, set before a send; and the records as the library takes them. */
class Placement {
  private roundRobin = 0;

  async place(producer: Producer, topic: string, records: readonly OutgoingRecord[]) {
    const metadata = await producer.metadata({ topics: [topic] });
    const partitions = metadata.topics.get(topic)?.partitionsCount;
    if (!partitions) throw new Error(`topic ${topic} has no partitions`);
    const placed = records.map((r) => r.partition ?? this.partitionOf(r.key, partitions));
    const messages = records.map((record, i) => ({
      topic,
      partition: placed[i]!,
      key: toBuffer(record.key),
      value: toBuffer(record.value),
      ...(record.headers ? { headers: headerMap(record.headers) } : {}),
    }));
    return { placed, messages };
  }

  private partitionOf(key: OutgoingRecord['key'], partitions: number): number {
    if (key !== null) return partitionOfKey(key, partitions);
    this.roundRobin = (this.roundRobin + 1) % partitions;
    return this.roundRobin;
  }
}

/**
 * @platformatic/kafka's transactions: sends, and offsets committed with the
 * consumed record's own group generation and member (KIP-447), in one
 * transaction; the consumer is told what was committed once it is.
 */
export class PlatformaticTransactionalProducer implements TransactionalProducer {
  private producer: Producer | undefined;
  private readonly placement = new Placement();

  constructor(
    private readonly settings: PlatformaticSettings,
    private readonly transactionalId: string,
  ) {}

  async connect(): Promise<void> {
    this.producer ??= new Producer({
      ...this.settings.base,
      transactionalId: this.transactionalId,
      idempotent: true,
      acks: ProduceAcks.ALL,
      retries: true,
      autocreateTopics: false,
    });
    await this.producer.metadata({ topics: [] });
  }

  async disconnect(): Promise<void> {
    await this.producer?.close();
    this.producer = undefined;
  }

  async inTransaction<T>(work: (transaction: KafkaTransaction) => Promise<T>): Promise<T> {
    const producer = this.producer;
    if (!producer) throw new Error('the producer is not connected');
    const transaction = await producer.beginTransaction();
    const afterCommit: (() => void)[] = [];
    try {
      const result = await work({
        send: async (topic, records) => {
          await transaction.send({ messages: (await this.placement.place(producer, topic, records)).messages });
        },
        commitOffset: async (batch: PartitionBatch, offset: string) => {
          const consumed = transactionalBatches.get(batch);
          if (!consumed) throw new Error('not a batch of this client');
          if (!consumed.current()) throw new Error('the group rebalanced since this batch was fetched');
          const message = consumed.messageAt(BigInt(offset));
          if (!message) throw new Error(`offset ${offset} is not a record of this batch`);
          await transaction.addConsumer(consumed.consumer);
          await transaction.addOffset(message);
          afterCommit.push(() => consumed.committed(BigInt(offset)));
        },
      });
      await transaction.commit();
      for (const committed of afterCommit) committed();
      return result;
    } catch (error) {
      if (!transaction.completed) await transaction.abort();
      throw error;
    }
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
