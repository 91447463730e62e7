import { type Kafka, type Message, Partitioners, type Producer, type RecordMetadata } from 'kafkajs';
import type { OutgoingRecord, RecordPosition, RecordProducer } from './kafka.port';
import { type PartitionAck, positionsOf } from './record.positions';

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
      acksOf(written),
    );
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

/** kafkajs answers each partition with the first offset it wrote there, as `baseOffset` or `offset`. */
export function acksOf(written: readonly RecordMetadata[]): PartitionAck[] {
  return written.flatMap(({ partition, baseOffset, offset }) => {
    const first = baseOffset ?? offset;
    return first === undefined ? [] : [{ partition, firstOffset: BigInt(first) }];
  });
}
