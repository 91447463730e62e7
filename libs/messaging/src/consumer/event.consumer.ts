import type { DomainEvent, EventOf, EventType } from '@orderflow/events';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../db/transaction';
import { claimEvents } from '../inbox/inbox';
import { createSafeProducer } from '../kafka/kafka.settings';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { isTransient } from './error.classifier';
import { type Decoded, decodeMessage } from './message.decoder';

export interface HandlerContext {
  /** The transaction the inbox row is written in: write the handler's effects here too. */
  tx: PoolClient;
  topic: string;
  partition: number;
  offset: string;
}

export type EventHandler<T extends EventType> = (event: EventOf<T>, ctx: HandlerContext) => Promise<void>;
export type EventHandlers = { [T in EventType]?: EventHandler<T> };

/**
 * For a projection: every claimed event of `types` in a unit at once, in
 * partition order, so rows are read and written once per unit rather than
 * once per event.
 */
export interface BatchHandler {
  types: readonly EventType[];
  handle: (events: DomainEvent[], ctx: { tx: PoolClient }) => Promise<void>;
}

export interface RetryPolicy {
  attempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface EventConsumerOptions {
  /** `<service>.<purpose>`, e.g. `payments.order-events`; also the inbox's key. */
  groupId: string;
  topics: string[];
  deadLetterTopic: string;
  /** One function per event type; or, for a projection, `batchHandler` (exactly one of the two). */
  handlers?: EventHandlers;
  batchHandler?: BatchHandler;
  pool: Pool;
  kafka: Kafka;
  retry?: RetryPolicy;
  /**
   * Partitions handled at once; one partition is always handled in order.
   * Runs of the partitions in hand share a transaction, so the default covers
   * every partition of the project's topics (6).
   */
  partitionsConsumedConcurrently?: number;
  /** Most events applied in one transaction: bounds a transaction, and how long a stop waits. */
  maxEventsPerTransaction?: number;
  /** How long the group waits for a silent member before giving its partitions away (broker minimum 6 s). */
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
  /** Called after a batch's transaction committed and before its offsets are; for metrics and tests. */
  afterTransaction?: (events: readonly DomainEvent[]) => void | Promise<void>;
}

export interface ConsumerStats {
  processed: number;
  duplicates: number;
  skipped: number;
  deadLettered: number;
  retries: number;
}

type Run = Extract<Decoded, { ok: true }>[];
type Where = { topic: string; partition: number };
type Item = Run[number] & { where: Where };
interface QueuedRun {
  items: Item[];
  heartbeat: () => Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const defaultRetry: RetryPolicy = { attempts: 5, initialBackoffMs: 100, maxBackoffMs: 5_000 };

/**
 * Consumes events in batches with manual offset commits:
 *
 *   batch → decode each message (bad ones → dead-letter topic, in place)
 *         → one transaction per run of good messages: inbox claim + handlers
 *           (runs of partitions handed out by the same fetch share it)
 *         → commit the offsets, only after the transaction committed.
 *
 * A crash between the transaction and the offset commit redelivers the batch;
 * the inbox turns that into duplicates, not second effects. A run whose
 * transaction keeps failing is retried with backoff (transient errors), then
 * split into single messages so only the one that fails is dead-lettered.
 * kafkajs is used directly rather than through Nest's Kafka transport, which
 * commits per message and has no batch transaction or dead-letter step.
 */
export class EventConsumer {
  readonly stats: ConsumerStats = { processed: 0, duplicates: 0, skipped: 0, deadLettered: 0, retries: 0 };
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly deadLetters: DeadLetterPublisher;
  private readonly retry: RetryPolicy;
  private readonly maxRun: number;
  private readonly handles: (type: EventType) => boolean;
  /** Runs of several partitions waiting for their shared transaction. */
  private queued: QueuedRun[] = [];

  constructor(private readonly options: EventConsumerOptions) {
    const { handlers, batchHandler } = options;
    if ((handlers === undefined) === (batchHandler === undefined)) {
      throw new Error(`${options.groupId}: give an EventConsumer either handlers or a batchHandler`);
    }
    this.handles = handlers ? (type) => handlers[type] !== undefined : (type) => batchHandler!.types.includes(type);
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      minBytes: options.fetchMinBytes ?? 64 * 1024,
      maxWaitTimeInMs: options.fetchMaxWaitMs ?? 100,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      // Whatever escaped a batch (a broker or database outage the retries did
      // not outlast): start again from the last committed offset, with backoff,
      // rather than leave the service running without its consumer.
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 30_000, restartOnFailure: async () => true },
    });
    this.producer = createSafeProducer(options.kafka);
    this.deadLetters = new DeadLetterPublisher(this.producer, options.deadLetterTopic);
    this.retry = options.retry ?? defaultRetry;
    this.maxRun = options.maxEventsPerTransaction ?? 500;
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.options.topics, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 6,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  /**
   * Stops fetching, lets the batch in hand finish its transaction and commit,
   * then leaves the group. kafkajs' disconnect waits for the running batch.
   */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale, resolveOffset } = payload;
    const where = { topic: batch.topic, partition: batch.partition };
    let run: Run = [];

    // Offsets are committed after each unit of work, so a stop or a crash
    // redelivers at most the unit in hand.
    const commit = async (offset: string) => {
      resolveOffset(offset);
      await commitResolved(payload);
    };
    const flushRun = async () => {
      if (run.length === 0) return;
      await this.applyRun(run, where, heartbeat);
      await commit(run[run.length - 1]!.message.offset);
      run = [];
    };

    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      const decoded = decodeMessage(message);
      if (decoded.ok) {
        run.push(decoded);
        if (run.length >= this.maxRun) await flushRun();
        continue;
      }
      // Keep partition order: what came before the bad message is applied first.
      await flushRun();
      await this.deadLetter(message, where, decoded.code, decoded.reason);
      await commit(message.offset);
    }
    await flushRun();
  }

  /**
   * Queues a partition's run for the next transaction. Runs that other
   * partitions queue before it starts (the batches of one fetch are handed
   * out together) share it: one BEGIN, inbox claim and COMMIT for all of them
   * instead of one per partition. Resolves once the run's transaction
   * committed, so the caller commits its offsets only then.
   */
  private applyRun(run: Run, where: Where, heartbeat: () => Promise<void>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ items: run.map((decoded) => ({ ...decoded, where })), heartbeat, resolve, reject });
      if (this.queued.length === 1) setImmediate(() => this.drain());
    });
  }

  private drain(): void {
    const units: QueuedRun[][] = [];
    let events = Infinity;
    for (const run of this.queued.splice(0)) {
      if (events + run.items.length > this.maxRun) {
        units.push([]);
        events = 0;
      }
      units[units.length - 1]!.push(run);
      events += run.items.length;
    }
    for (const unit of units) void this.applyUnit(unit);
  }

  private async applyUnit(unit: QueuedRun[]): Promise<void> {
    if (unit.length > 1) {
      try {
        await this.applyInTransaction(unit.flatMap((run) => run.items));
        for (const run of unit) run.resolve();
        return;
      } catch {
        // Each run on its own then, with its retries and its dead letter.
      }
    }
    await Promise.all(unit.map((run) => this.applyAlone(run.items, run.heartbeat).then(run.resolve, run.reject)));
  }

  /** One transaction for the whole run; if it cannot succeed, one per message. */
  private async applyAlone(items: Item[], heartbeat: () => Promise<void>): Promise<void> {
    try {
      await this.withRetries(() => this.applyInTransaction(items), heartbeat);
      return;
    } catch (error) {
      if (items.length === 1) {
        await this.deadLetter(items[0]!.message, items[0]!.where, 'HANDLER_FAILED', describe(error));
        return;
      }
    }
    for (const item of items) await this.applyAlone([item], heartbeat);
  }

  private async applyInTransaction(items: Item[]) {
    const handled = items.filter((item) => this.handles(item.event.type));
    // Events this consumer does not handle need no inbox row: no transaction at all.
    if (handled.length === 0) {
      this.stats.skipped += items.length;
      return;
    }
    const result = await inTransaction(this.options.pool, async (tx) => {
      const claimed = await claimEvents(
        tx,
        this.options.groupId,
        handled.map((item) => item.event.eventId),
      );
      // `claimed` also guards against one event twice in the same batch.
      const fresh = handled.filter((item) => claimed.delete(item.event.eventId));
      const { handlers, batchHandler } = this.options;
      if (batchHandler) {
        if (fresh.length > 0)
          await batchHandler.handle(
            fresh.map((item) => item.event),
            { tx },
          );
      } else {
        for (const { event, message, where } of fresh) {
          const handler = handlers![event.type] as EventHandler<typeof event.type>;
          await handler(event as never, { tx, ...where, offset: message.offset });
        }
      }
      return { processed: fresh.length, duplicates: handled.length - fresh.length };
    });
    this.stats.processed += result.processed;
    this.stats.duplicates += result.duplicates;
    this.stats.skipped += items.length - handled.length;
    await this.options.afterTransaction?.(items.map((item) => item.event));
  }

  private async withRetries(work: () => Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if (!isTransient(error) || attempt >= this.retry.attempts) throw error;
        this.stats.retries += 1;
        const backoff = Math.min(this.retry.maxBackoffMs, this.retry.initialBackoffMs * 2 ** (attempt - 1));
        await new Promise((resolve) => setTimeout(resolve, backoff * (0.5 + Math.random() / 2)));
        await heartbeat();
      }
    }
  }

  private async deadLetter(message: KafkaMessage, where: Where, code: string, reason: string): Promise<void> {
    await this.deadLetters.publish({
      message,
      sourceTopic: where.topic,
      partition: where.partition,
      consumerGroup: this.options.groupId,
      code,
      reason,
    });
    this.stats.deadLettered += 1;
  }
}

/**
 * Through the batch's own commit, not `consumer.commitOffsets`: that one is a
 * no-op once a stop has begun, and a stop must still commit the unit it finished.
 */
const commitResolved = async ({ commitOffsetsIfNecessary, uncommittedOffsets }: EachBatchPayload) => {
  const offsets = uncommittedOffsets();
  if (offsets.topics.some((t) => t.partitions.length > 0)) await commitOffsetsIfNecessary(offsets);
};

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
