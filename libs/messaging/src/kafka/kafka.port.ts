/**
 * The Kafka client as this project needs it, in its own types. Everything
 * outside the adapter — the consumer runtime, dead letters, replay, the lag
 * monitor, the relay, the CLI, the console, tests and benchmarks — talks to
 * these; an adapter in this folder implements them for one client (kafkajs,
 * @platformatic/kafka), and `createKafka` (kafka.client.ts) builds the port
 * over the one chosen. No client's type appears in their signatures, and the
 * same conformance suite holds each adapter to them
 * (test/kafka-client.conformance.int.spec.ts).
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

/** Where a produced record landed. */
export interface RecordPosition {
  partition: number;
  offset: string;
}

/** Idempotent, acks=all; a send waits out a broker restart rather than give up. */
export interface RecordProducer {
  connect(): Promise<void>;
  /** Resolves once every in-sync replica has the records, with where each landed (in the records' order). */
  send(topic: string, records: readonly OutgoingRecord[]): Promise<RecordPosition[]>;
  disconnect(): Promise<void>;
}

/**
 * A Kafka transaction in progress: what it sends, and the consumed offsets it
 * commits, become visible together when it commits, or not at all.
 */
export interface KafkaTransaction {
  send(topic: string, records: readonly OutgoingRecord[]): Promise<void>;
  /**
   * Commits `batch`'s partition through `offset` (the group resumes after it)
   * with the transaction, in the group generation the batch was fetched in
   * (KIP-447: a zombie of an earlier generation is fenced).
   */
  commitOffset(batch: PartitionBatch, offset: string): Promise<void>;
}

/**
 * A transactional producer (idempotent, acks=all) for consume → transform →
 * produce: `inTransaction` runs `work` in one transaction, committed when
 * `work` resolves and aborted when it throws (the error is rethrown).
 * Consumers read committed: records of an aborted transaction are never
 * handed out. One transactional id per producer instance of a process.
 */
export interface TransactionalProducer {
  connect(): Promise<void>;
  inTransaction<T>(work: (transaction: KafkaTransaction) => Promise<T>): Promise<T>;
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

/** `restarting`: the client joins again by itself (after a failure it deems retriable). */
export type GroupEvent =
  { kind: 'joined' } | { kind: 'crashed'; error: unknown; restarting: boolean } | { kind: 'stopped' };

/**
 * A group member that consumes in batches with manual commits, from the
 * earliest offset where the group has none. The next fetch starts only once
 * every batch of the previous one has returned: a batch that waits stalls the
 * other partitions (pause it instead).
 */
export interface BatchConsumer {
  /** Connects, subscribes and joins, then hands each partition batch to `handle`; resolves once consuming. */
  run(handle: (batch: PartitionBatch) => Promise<void>): Promise<void>;
  /** Stops fetching, lets the batches in hand finish (and commit), leaves the group. */
  stop(): Promise<void>;
  onGroupEvent(listener: (event: GroupEvent) => void): void;
}

/** A record and where it was read. */
export interface TailedRecord extends ConsumedRecord {
  topic: string;
  partition: number;
}

/** An offset of one partition of one topic. */
export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

export interface TailSettings {
  groupId: string;
  topics: readonly string[];
  /**
   * Where to start in these partitions. Any other starts at its end as the
   * tail joins — or, with `commits`, where the group committed.
   */
  startAt?: readonly TopicPartitionOffset[];
  /** A fetch returns after this long with whatever there is. */
  fetchMaxWaitMs: number;
  /** Commits what it handed out, so a restarted tail resumes there; without it, the group never commits. */
  commits?: boolean;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}

/**
 * Follows topics one record at a time, for tools and tests (the CLI's `tail`,
 * the console's feed, a test's tail). Restarts by itself after a failure the
 * client deems retriable, retrying at most 5 s apart. Its group stays behind
 * when it stops: delete it (`KafkaAdmin.deleteGroups`) if it is a throwaway one.
 */
export interface Tail {
  /** Connects, subscribes and joins, then hands each record to `handle`; resolves once consuming. */
  run(handle: (record: TailedRecord) => Promise<void> | void): Promise<void>;
  stop(): Promise<void>;
  onGroupEvent(listener: (event: GroupEvent) => void): void;
}

/** Offsets `from` (included) to `end` (excluded) of one partition. */
export interface PartitionRange {
  partition: number;
  from: bigint;
  end: bigint;
}

export interface ReadRangeOptions {
  /** The throwaway group's id starts with this (where the client reads only through a group), e.g. `orders.replay`. */
  groupPrefix: string;
  /** Longest the whole read may take; the ends are fixed before reading, so this only bounds a slow broker. */
  timeoutMs?: number;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
  configs?: Readonly<Record<string, string>>;
}

export interface PartitionReplicas {
  partition: number;
  /** The leader's node id. */
  leader: number;
  replicas: number[];
  /** The in-sync replicas. */
  isr: number[];
}

export interface TopicDescription {
  topic: string;
  partitions: PartitionReplicas[];
}

export interface PartitionOffsets {
  partition: number;
  /** The first offset still held (the log start). */
  low: string;
  /** The offset the next record gets (the log end). */
  high: string;
}

export interface PartitionOffset {
  partition: number;
  offset: string;
}

export interface GroupListing {
  groupId: string;
  /** `consumer` for a consumer group; empty for a group that only ever had offsets committed for it (by an admin tool). */
  protocolType: string;
}

export interface CommittedOffsets {
  topic: string;
  /** The next offset the group reads in each partition; `-1` where it never committed. */
  partitions: PartitionOffset[];
}

/** The cluster's metadata, offsets and groups. Connect before use, disconnect after. */
export interface KafkaAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** The node ids of the brokers in the cluster. */
  brokerIds(): Promise<number[]>;
  listTopics(): Promise<string[]>;
  /** Resolves once every new partition has a leader. */
  createTopics(topics: readonly TopicSpec[]): Promise<void>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  /** Each topic's partitions with their leader and replicas. */
  describeTopics(topics: readonly string[]): Promise<TopicDescription[]>;
  /** Grows each topic to `partitions` partitions (a topic cannot shrink); resolves once every new partition has a leader. */
  growPartitions(topics: readonly { topic: string; partitions: number }[]): Promise<void>;
  /** Each topic's configs (defaults included), by topic name. */
  topicConfigs(topics: readonly string[]): Promise<Map<string, Record<string, string>>>;
  /** Sets these configs of each topic. */
  alterTopicConfigs(topics: readonly { topic: string; configs: Readonly<Record<string, string>> }[]): Promise<void>;
  /** Each partition's first and end offsets, in partition order (as every per-partition answer here). */
  topicOffsets(topic: string): Promise<PartitionOffsets[]>;
  /** Each partition's first offset with a timestamp at or after `at`; its end where there is none. */
  offsetsAt(topic: string, at: Date): Promise<PartitionOffset[]>;
  listGroups(): Promise<GroupListing[]>;
  committedOffsets(groupId: string, topics: readonly string[]): Promise<CommittedOffsets[]>;
  /** Commits these offsets for a group that has no member running. */
  setCommittedOffsets(groupId: string, topic: string, partitions: readonly PartitionOffset[]): Promise<void>;
  /** The topics the members of each group subscribe to (their join metadata); a group without members has none. */
  subscribedTopics(groupIds: readonly string[]): Promise<Map<string, string[]>>;
  deleteGroups(groupIds: readonly string[]): Promise<void>;
}

/** How a client is built: `createKafka(clientId, brokers, options)`. */
export interface KafkaClientOptions {
  /** The least a message of the client's own must be to be logged: `warn` by default; a tool that reports failures itself says `error` or `nothing`. */
  logLevel?: 'nothing' | 'error' | 'warn';
  /** One connection attempt of at most 1 s and no retries: whether the brokers answer now (a readiness probe). */
  probe?: boolean;
}

export interface KafkaClient {
  batchConsumer(settings: BatchConsumerSettings): BatchConsumer;
  tail(settings: TailSettings): Tail;
  safeProducer(): RecordProducer;
  transactionalProducer(transactionalId: string): TransactionalProducer;
  admin(): KafkaAdmin;
  /**
   * Reads each partition from `from` up to (not including) `end`, a batch at a
   * time in offset order, then stops. Moves no group: where the client reads
   * through a group, it is a throwaway one that never commits and is deleted after.
   */
  readRanges(
    topic: string,
    ranges: readonly PartitionRange[],
    onBatch: (records: ConsumedRecord[], partition: number) => Promise<void> | void,
    options: ReadRangeOptions,
  ): Promise<void>;
}
