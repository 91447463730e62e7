import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type {
  BatchConsumer,
  BatchConsumerSettings,
  GroupEvent,
  PartitionBatch,
  Tail,
  TailSettings,
  TailedRecord,
} from './kafka.port';

/**
 * Whatever escapes a batch (the broker away for longer than the client's own
 * retries): kafkajs starts again from the last committed offset, with backoff,
 * rather than leave the service without its consumer. Waits capped at 5 s
 * (kafkajs' default 30 s): a restarted broker is found within 5 s rather than up to 30.
 */
const restartQuickly = { retries: 10, initialRetryTime: 300, maxRetryTime: 5_000, restartOnFailure: async () => true };

function forwardGroupEvents(consumer: Consumer, listener: (event: GroupEvent) => void): void {
  const { GROUP_JOIN, CRASH, STOP } = consumer.events;
  consumer.on(GROUP_JOIN, () => listener({ kind: 'joined' }));
  consumer.on(CRASH, ({ payload }) => listener({ kind: 'crashed', error: payload.error, restarting: payload.restart }));
  consumer.on(STOP, () => listener({ kind: 'stopped' }));
}

export class KafkajsBatchConsumer implements BatchConsumer {
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
      retry: restartQuickly,
    });
  }

  onGroupEvent(listener: (event: GroupEvent) => void): void {
    forwardGroupEvents(this.consumer, listener);
  }

  async run(handle: (batch: PartitionBatch) => Promise<void>): Promise<void> {
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [...this.settings.topics], fromBeginning: true });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.settings.partitionsConsumedConcurrently,
        eachBatch: (payload) => handle(partitionBatchOf(payload, this.settings.groupId)),
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

/**
 * What a transaction needs of a batch to commit its offsets (kafkajs.producer.ts):
 * the batch's group, and `committed` to tell the consumer its records through
 * an offset are done — else kafkajs fetches them again.
 */
export const batchGroups = new WeakMap<
  PartitionBatch,
  { groupId: string; current: () => boolean; committed: (offset: string) => void }
>();

function partitionBatchOf(payload: EachBatchPayload, groupId: string): PartitionBatch {
  const { batch, isRunning, isStale, heartbeat, resolveOffset, pause } = payload;
  const partitionBatch: PartitionBatch = {
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
  batchGroups.set(partitionBatch, { groupId, current: partitionBatch.current, committed: resolveOffset });
  return partitionBatch;
}

/**
 * Through the batch's own commit, not `consumer.commitOffsets`: that one is a
 * no-op once a stop has begun, and a stop must still commit the unit it finished.
 */
const commitResolved = async ({ commitOffsetsIfNecessary, uncommittedOffsets }: EachBatchPayload) => {
  const offsets = uncommittedOffsets();
  if (offsets.topics.some((t) => t.partitions.length > 0)) await commitOffsetsIfNecessary(offsets);
};

/** A tail: kafkajs' one-message-at-a-time consumer, pinned where asked once it runs. */
export class KafkajsTail implements Tail {
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly settings: TailSettings,
  ) {
    this.consumer = kafka.consumer({
      groupId: settings.groupId,
      maxWaitTimeInMs: settings.fetchMaxWaitMs,
      ...(settings.sessionTimeoutMs === undefined ? {} : { sessionTimeout: settings.sessionTimeoutMs }),
      ...(settings.heartbeatIntervalMs === undefined ? {} : { heartbeatInterval: settings.heartbeatIntervalMs }),
      retry: restartQuickly,
    });
  }

  onGroupEvent(listener: (event: GroupEvent) => void): void {
    forwardGroupEvents(this.consumer, listener);
  }

  async run(handle: (record: TailedRecord) => Promise<void> | void): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.settings.topics], fromBeginning: false });
    await this.consumer.run({
      autoCommit: this.settings.commits === true,
      eachMessage: async ({ topic, partition, message }) => handle({ ...message, topic, partition }),
    });
    // kafkajs keeps a seek made before the partition is assigned and applies it on assignment.
    for (const { topic, partition, offset } of this.settings.startAt ?? [])
      this.consumer.seek({ topic, partition, offset });
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}
