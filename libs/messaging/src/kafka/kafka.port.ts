/**
 * The Kafka client as this project needs it, in its own types. The consumer
 * runtime, the dead-letter publisher and the redriver talk to these; an
 * adapter implements them for one client (kafkajs.adapter.ts). No client's
 * type appears in their signatures, so a second adapter changes no caller.
 */

/** A header's value as it arrives: Debezium writes null for a NULL column, and a header may repeat. */
export type HeaderValue = Buffer | string | null | undefined | (Buffer | string)[];
export type RecordHeaders = Readonly<Record<string, HeaderValue>>;

/** A consumed record. */
export interface ConsumedRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeaders;
  /** Kafka's record timestamp: milliseconds since the epoch, as text. */
  timestamp: string;
}

/** A header's value to produce: text or bytes, repeated or not; not every client can write a null one. */
export type OutgoingHeaderValue = Buffer | string | (Buffer | string)[];

/** A record to produce. */
export interface OutgoingRecord {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Readonly<Record<string, OutgoingHeaderValue>>;
  /** Unset: the key's partition by the Java client's murmur2 (key.partitioner.ts), as Kafka Connect places it. */
  partition?: number;
}

/** Idempotent, acks=all; a send waits out a broker restart rather than give up. */
export interface RecordProducer {
  connect(): Promise<void>;
  /** Resolves once every in-sync replica has the records. */
  send(topic: string, records: readonly OutgoingRecord[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** What one fetch handed out for one partition. */
export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumedRecord[];
  /** False once the consumer is stopping or the group has moved on (the partition may be another member's now). */
  current(): boolean;
  heartbeat(): Promise<void>;
  /** Commits through `offset` (the group resumes after it), in the group generation the batch was fetched in. */
  commit(offset: string): Promise<void>;
  /** Fetches nothing more from this partition until the returned function is called; then from the first uncommitted record. */
  pause(): () => void;
}

export interface BatchConsumerSettings {
  groupId: string;
  topics: readonly string[];
  fetchMinBytes: number;
  fetchMaxWaitMs: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Partitions handed out at once; one partition's batches always come one after the other. */
  partitionsConsumedConcurrently: number;
}

export type GroupEvent = { kind: 'joined' } | { kind: 'crashed'; error: unknown } | { kind: 'stopped' };

/** A group member that consumes in batches with manual commits, from the earliest offset where the group has none. */
export interface BatchConsumer {
  /** Connects, subscribes and joins, then hands each partition batch to `handle`; resolves once consuming. */
  run(handle: (batch: PartitionBatch) => Promise<void>): Promise<void>;
  /** Stops fetching, lets the batches in hand finish (and commit), leaves the group. */
  stop(): Promise<void>;
  onGroupEvent(listener: (event: GroupEvent) => void): void;
}

export interface KafkaClient {
  batchConsumer(settings: BatchConsumerSettings): BatchConsumer;
  safeProducer(): RecordProducer;
}
