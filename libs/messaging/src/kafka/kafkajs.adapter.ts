import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { createSafeProducer } from './kafka.settings';
import type {
  BatchConsumer,
  BatchConsumerSettings,
  GroupEvent,
  KafkaClient,
  OutgoingRecord,
  PartitionBatch,
  RecordProducer,
} from './kafka.port';

/** The Kafka port over a kafkajs client. */
export const kafkajsClient = (kafka: Kafka): KafkaClient => ({
  batchConsumer: (settings) => new KafkajsBatchConsumer(kafka, settings),
  safeProducer: () => new KafkajsProducer(createSafeProducer(kafka)),
});

class KafkajsProducer implements RecordProducer {
  constructor(private readonly producer: Producer) {}

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async send(topic: string, records: readonly OutgoingRecord[]): Promise<void> {
    await this.producer.send({ topic, acks: -1, messages: records.map((record) => ({ ...record })) });
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

class KafkajsBatchConsumer implements BatchConsumer {
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly settings: BatchConsumerSettings,
  ) {
    this.consumer = kafka.consumer({
      groupId: settings.groupId,
      minBytes: settings.fetchMinBytes,
      maxWaitTimeInMs: settings.fetchMaxWaitMs,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      // Whatever escapes a batch (the broker away for longer than the client's
      // own retries): kafkajs starts again from the last committed offset,
      // with backoff, rather than leave the service without its consumer.
      // Waits capped at 5 s (kafkajs' default 30 s): a restarted broker is
      // found within 5 s rather than up to 30.
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5_000, restartOnFailure: async () => true },
    });
  }

  onGroupEvent(listener: (event: GroupEvent) => void): void {
    const { GROUP_JOIN, CRASH, STOP } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, () => listener({ kind: 'joined' }));
    this.consumer.on(CRASH, ({ payload }) => listener({ kind: 'crashed', error: payload.error }));
    this.consumer.on(STOP, () => listener({ kind: 'stopped' }));
  }

  async run(handle: (batch: PartitionBatch) => Promise<void>): Promise<void> {
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [...this.settings.topics], fromBeginning: true });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
        eachBatch: (payload) => handle(partitionBatchOf(payload)),
      });
    } catch (error) {
      await this.consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /** kafkajs' disconnect waits for the batches in hand. */
  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

function partitionBatchOf(payload: EachBatchPayload): PartitionBatch {
  const { batch, isRunning, isStale, heartbeat, resolveOffset, pause } = payload;
  return {
    topic: batch.topic,
    partition: batch.partition,
    records: batch.messages,
    current: () => isRunning() && !isStale(),
    heartbeat,
    commit: async (offset) => {
      resolveOffset(offset);
      await commitResolved(payload);
    },
    pause,
  };
}

/**
 * Through the batch's own commit, not `consumer.commitOffsets`: that one is a
 * no-op once a stop has begun, and a stop must still commit the unit it finished.
 */
const commitResolved = async ({ commitOffsetsIfNecessary, uncommittedOffsets }: EachBatchPayload) => {
  const offsets = uncommittedOffsets();
  if (offsets.topics.some((t) => t.partitions.length > 0)) await commitOffsetsIfNecessary(offsets);
};
