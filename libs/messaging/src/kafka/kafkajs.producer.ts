import { type Kafka, type Message, Partitioners, type Producer, type RecordMetadata } from 'kafkajs';
import type { OutgoingRecord, RecordPosition, RecordProducer } from './kafka.port';

/**
 * What we produce directly (dead letters, the polling relay, tools) goes
 * through an idempotent producer with acks=all: a retried send is not written
 * twice and a write is not acknowledged before every in-sync replica has it.
 * Business events never take this path from a request: they go through the outbox.
 */
export function createSafeProducer(kafka: Kafka): RecordProducer {
  // Which partition the partitioner gave each message: kafkajs answers per partition, not per record.
  const placed = new WeakMap<Message, number>();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // The Java client's murmur2, as Kafka Connect (Debezium) partitions: one key, one partition, whoever produces.
    createPartitioner: () => {
      const partitionOf = Partitioners.DefaultPartitioner();
      return (args) => {
        const partition = partitionOf(args);
        placed.set(args.message, partition);
        return partition;
      };
    },
    // An idempotent producer must not give up: a send waits out a broker restart.
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 30_000 },
  });
  return new KafkajsProducer(producer, placed);
}

class KafkajsProducer implements RecordProducer {
  constructor(
    private readonly producer: Producer,
    private readonly placed: WeakMap<Message, number>,
  ) {}

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async send(topic: string, records: readonly OutgoingRecord[]): Promise<RecordPosition[]> {
    const messages: Message[] = records.map((record) => ({ ...record }));
    const written = await this.producer.send({ topic, acks: -1, messages });
    return positionsOf(
      messages.map((m) => this.placed.get(m) ?? m.partition ?? -1),
      written,
    );
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

/**
 * Each record's position, from the partition each went to (in send order)
 * and the broker's answer per partition: the first offset it wrote there.
 * One send writes one batch per partition, its records at consecutive offsets.
 */
export function positionsOf(partitions: readonly number[], written: readonly RecordMetadata[]): RecordPosition[] {
  const next = new Map<number, bigint>();
  for (const { partition, baseOffset, offset } of written) {
    const first = baseOffset ?? offset;
    if (first !== undefined) next.set(partition, BigInt(first));
  }
  return partitions.map((partition) => {
    const offset = next.get(partition);
    if (offset === undefined) throw new Error(`the broker acknowledged no offset for partition ${partition}`);
    next.set(partition, offset + 1n);
    return { partition, offset: offset.toString() };
  });
}
