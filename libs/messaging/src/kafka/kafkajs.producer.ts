import { type Kafka, type Message, Partitioners, type Producer, type RecordMetadata } from 'kafkajs';
import type {
  KafkaTransaction,
  OutgoingRecord,
  PartitionBatch,
  RecordPosition,
  RecordProducer,
  TransactionalProducer,
} from './kafka.port';
import { batchGroups } from './kafkajs.consumer';
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

/**
 * kafkajs' transactions: sends and `sendOffsets` in one transaction. Its
 * offset commit carries no group generation (it predates KIP-447), so a
 * zombie of an earlier generation is fenced only by the transactional id.
 */
export function createTransactionalProducer(kafka: Kafka, transactionalId: string): TransactionalProducer {
  const producer = kafka.producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 30_000 },
  });
  return {
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    async inTransaction<T>(work: (transaction: KafkaTransaction) => Promise<T>): Promise<T> {
      const transaction = await producer.transaction();
      const afterCommit: (() => void)[] = [];
      try {
        const result = await work({
          send: async (topic, records) => {
            await transaction.send({ topic, acks: -1, messages: records.map((record) => ({ ...record })) });
          },
          commitOffset: async (batch: PartitionBatch, offset: string) => {
            const group = batchGroups.get(batch);
            if (!group) throw new Error('not a batch of this client');
            if (!group.current()) throw new Error('the group rebalanced since this batch was fetched');
            await transaction.sendOffsets({
              consumerGroupId: group.groupId,
              topics: [
                {
                  topic: batch.topic,
                  partitions: [{ partition: batch.partition, offset: (BigInt(offset) + 1n).toString() }],
                },
              ],
            });
            afterCommit.push(() => group.committed(offset));
          },
        });
        await transaction.commit();
        for (const committed of afterCommit) committed();
        return result;
      } catch (error) {
        if (transaction.isActive()) await transaction.abort();
        throw error;
      }
    },
  };
}
