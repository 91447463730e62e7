import type { DomainEvent } from '@orderflow/events';
import type { Pool } from 'pg';
import type { BatchConsumer, ConsumedRecord, KafkaClient, PartitionBatch, RecordProducer } from '../kafka/kafka.port';
import { type BackoffPolicy, backoffDelay, defaultBackoff } from './backoff';
import { type ConsumerObserver, ignoreObservations } from './consumer.observer';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { type Failure, describeError } from './error.classifier';
import { decodeMessage } from './message.decoder';
import { type BatchHandler, type ConsumerStats, type EventHandlers, UnitOfWork, type Where } from './unit-of-work';

export type {
  BatchContext,
  BatchHandler,
  ConsumerStats,
  EventHandler,
  EventHandlers,
  HandlerContext,
} from './unit-of-work';
export type { CommittedUnit, Consumed, ConsumerObserver } from './consumer.observer';

export interface EventConsumerOptions {
  /** `<service>.<purpose>`, e.g. `payments.order-events`; also the inbox's key. */
  groupId: string;
  topics: string[];
  deadLetterTopic: string;
  /** One function per event type; or, for a projection, `batchHandler` (exactly one of the two). */
  handlers?: EventHandlers;
  batchHandler?: BatchHandler;
  pool: Pool;
  kafka: KafkaClient;
  /** How long a partition blocked by a transient failure waits between tries (default 200 ms doubling to 5 s). */
  backoff?: BackoffPolicy;
  /**
   * Partitions handled at once; one partition is always handled in order.
   * Runs of the partitions in hand share a transaction, so the default covers
   * every partition of the project's topics (6).
   */
  partitionsConsumedConcurrently?: number;
  /** Most events applied in one transaction: bounds a transaction, and how long a stop waits. */
  maxEventsPerTransaction?: number;
  /**
   * How long the group waits for a silent member before giving its partitions
   * away (broker minimum 6 s). Short, so that a member killed with SIGKILL
   * hands its partitions over (to its own restart, or another instance) in
   * seconds; heartbeats go on while a unit works, so only a stalled process
   * loses them.
   */
  sessionTimeoutMs?: number;
  /**
   * A fetch returns once this much is waiting, or after `fetchMaxWaitMs`: under
   * load, more events share one transaction and one offset commit; when quiet,
   * each hop waits at most `fetchMaxWaitMs`. Defaults 64 KiB and 100 ms, for
   * throughput: fewer fetches, transactions and offset commits per event (the
   * saga benchmark's CPU per order and statements per order show it). Lower it
   * where a hop's latency matters more than its cost.
   */
  fetchMinBytes?: number;
  fetchMaxWaitMs?: number;
  /** Called after a batch's transaction committed and before its offsets are; for tests. */
  afterTransaction?: (events: readonly DomainEvent[]) => void | Promise<void>;
  /** Told what the consumer does (units, handlers, retries, dead letters): metrics. */
  observer?: ConsumerObserver;
}

/** A partition waiting out a transient failure. */
export interface BlockedPartition {
  topic: string;
  partition: number;
  code: string;
  reason: string;
  since: string;
  /** Tries that failed so far. */
  attempts: number;
  nextTryAt: string;
}

export interface ConsumerStatus {
  groupId: string;
  /** `joined`: member of its group with partitions assigned (or none to have); `starting`/`rejoining`: not yet. */
  state: 'starting' | 'joined' | 'rejoining' | 'stopped';
  lastError?: string;
  blocked: BlockedPartition[];
  /** Partition-seconds spent blocked since the consumer started, the waits still open included. */
  blockedSeconds: number;
}

interface Blocked extends BlockedPartition {
  timer: NodeJS.Timeout;
}

const heartbeatIntervalMs = 1_000;

/**
 * Consumes events in batches with manual offset commits:
 *
 *   batch → decode each message (bad ones → dead-letter topic, in place)
 *         → the unit of work: one transaction per run of good messages
 *           (inbox claim + handlers; see UnitOfWork)
 *         → commit the offsets, only after the transaction committed.
 *
 * A crash between the transaction and the offset commit redelivers the batch;
 * the inbox turns that into duplicates, not second effects. A run that fails
 * transiently blocks its partition only: the partition is paused and tried
 * again from the same message after a capped backoff, for as long as the
 * failure lasts, while the other partitions go on (the client fetches again only
 * once every batch of a fetch returned — see BatchConsumer —, so waiting inside a
 * batch would stall them all). Heartbeats go on while a unit works. An offset is committed with
 * the group generation it was fetched in: after a rebalance the broker refuses
 * it, and the new owner's redelivery is absorbed by the inbox.
 */
export class EventConsumer {
  readonly stats: ConsumerStats = { processed: 0, duplicates: 0, skipped: 0, deadLettered: 0, retries: 0 };
  private readonly consumer: BatchConsumer;
  private readonly producer: RecordProducer;
  private readonly deadLetters: DeadLetterPublisher;
  private readonly unit: UnitOfWork;
  private readonly backoff: BackoffPolicy;
  private readonly maxRun: number;
  private readonly blocked = new Map<string, Blocked>();
  private readonly observer: ConsumerObserver;
  /** Blocked time of the waits that ended. */
  private blockedMsEnded = 0;
  private state: ConsumerStatus['state'] = 'starting';
  private lastError: string | undefined;
  private stopping = false;
  private running: Promise<void> | undefined;

  constructor(private readonly options: EventConsumerOptions) {
    this.consumer = options.kafka.batchConsumer({
      groupId: options.groupId,
      topics: options.topics,
      fetchMinBytes: options.fetchMinBytes ?? 64 * 1024,
      fetchMaxWaitMs: options.fetchMaxWaitMs ?? 100,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 6_000,
      heartbeatIntervalMs,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 6,
    });
    this.consumer.onGroupEvent((event) => {
      switch (event.kind) {
        case 'joined':
          this.state = 'joined';
          return;
        case 'crashed':
          this.state = this.stopping ? 'stopped' : 'rejoining';
          this.lastError = describeError(event.error);
          return;
        case 'stopped':
          if (this.stopping) this.state = 'stopped';
          return;
      }
    });
    this.producer = options.kafka.safeProducer();
    this.deadLetters = new DeadLetterPublisher(this.producer, options.deadLetterTopic);
    this.backoff = options.backoff ?? defaultBackoff;
    this.observer = options.observer ?? ignoreObservations;
    this.maxRun = options.maxEventsPerTransaction ?? 500;
    this.unit = new UnitOfWork({
      groupId: options.groupId,
      handlers: options.handlers,
      batchHandler: options.batchHandler,
      pool: options.pool,
      maxEventsPerTransaction: this.maxRun,
      afterTransaction: options.afterTransaction,
      stats: this.stats,
      observer: this.observer,
      deadLetter: (item, failure, attempts) => this.deadLetter(item.message, item.where, failure, attempts),
    });
  }

  /**
   * Connects, subscribes and joins the group; resolves once consuming. If the
   * broker cannot be reached it keeps trying (with backoff) until it can or
   * until `stop`: a service starts, and serves HTTP, whatever the broker does.
   */
  start(): Promise<void> {
    this.running ??= this.connect();
    return this.running;
  }

  status(): ConsumerStatus {
    const blocked = [...this.blocked.values()].map(({ timer: _timer, ...partition }) => partition);
    const now = Date.now();
    const open = blocked.reduce((ms, b) => ms + now - Date.parse(b.since), 0);
    return {
      groupId: this.options.groupId,
      state: this.state,
      lastError: this.lastError,
      blocked,
      blockedSeconds: (this.blockedMsEnded + open) / 1000,
    };
  }

  /** Stops fetching, lets the batch in hand finish its transaction and commit, then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const { timer } of this.blocked.values()) clearTimeout(timer);
    this.blocked.clear();
    await this.consumer.stop();
    await this.producer.disconnect();
    this.state = 'stopped';
  }

  private async connect(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt += 1) {
      try {
        await this.producer.connect();
        await this.consumer.run((batch) => this.handleBatch(batch));
        return;
      } catch (error) {
        this.lastError = describeError(error);
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(this.backoff, attempt)));
      }
    }
  }

  private async handleBatch(batch: PartitionBatch): Promise<void> {
    const where = { topic: batch.topic, partition: batch.partition };
    const key = `${where.topic}/${where.partition}`;
    const attempts = (this.blocked.get(key)?.attempts ?? 0) + 1;
    // A unit that waits on a slow database must not lose its partition for it.
    const beat = setInterval(() => void batch.heartbeat().catch(() => undefined), heartbeatIntervalMs);
    let run: Parameters<UnitOfWork['apply']>[0] = [];

    // Offsets are committed after each unit of work, so a stop or a crash
    // redelivers at most the unit in hand.
    const commit = (offset: string) => batch.commit(offset);
    /** Applies the run in hand; false if its partition is now blocked. */
    const flushRun = async (): Promise<boolean> => {
      if (run.length === 0) return true;
      const outcome = await this.unit.apply(run, attempts);
      if (outcome.done > 0) await commit(run[outcome.done - 1]!.message.offset);
      if (outcome.blocked) {
        this.block(key, where, outcome.blocked, attempts, () => batch.pause());
        return false;
      }
      this.unblock(key);
      run = [];
      return true;
    };

    try {
      for (const message of batch.records) {
        if (!batch.current()) return;
        const decoded = decodeMessage(message);
        if (decoded.ok) {
          run.push({ event: decoded.event, message, where });
          if (run.length >= this.maxRun && !(await flushRun())) return;
          continue;
        }
        // Keep partition order: what came before the bad message is applied first.
        if (!(await flushRun())) return;
        const failure = { transient: false, code: decoded.code, reason: decoded.reason };
        await this.deadLetter(message, where, failure, 1);
        this.stats.deadLettered += 1;
        this.observer.deadLettered(where.topic, failure.code);
        await commit(message.offset);
      }
      await flushRun();
    } finally {
      clearInterval(beat);
    }
  }

  /** Pauses the partition and resumes it after the backoff: the next fetch starts at the message that failed. */
  private block(key: string, where: Where, failure: Failure, attempts: number, pause: () => () => void): void {
    const resume = pause();
    const delay = backoffDelay(this.backoff, attempts);
    const previous = this.blocked.get(key);
    clearTimeout(previous?.timer);
    this.blocked.set(key, {
      ...where,
      code: failure.code,
      reason: failure.reason,
      since: previous?.since ?? new Date().toISOString(),
      attempts,
      nextTryAt: new Date(Date.now() + delay).toISOString(),
      timer: setTimeout(resume, delay),
    });
  }

  private unblock(key: string): void {
    const blocked = this.blocked.get(key);
    if (!blocked) return;
    clearTimeout(blocked.timer);
    this.blockedMsEnded += Date.now() - Date.parse(blocked.since);
    this.blocked.delete(key);
  }

  private async deadLetter(message: ConsumedRecord, where: Where, failure: Failure, attempts: number): Promise<void> {
    await this.deadLetters.publish({
      message,
      sourceTopic: where.topic,
      partition: where.partition,
      consumerGroup: this.options.groupId,
      code: failure.code,
      reason: failure.reason,
      attempts,
      failedAt: new Date(),
    });
  }
}
