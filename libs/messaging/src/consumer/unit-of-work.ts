import { performance } from 'node:perf_hooks';
import { type DomainEvent, type EventOf, type EventType, Headers } from '@orderflow/events';
import { ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { ConsumedRecord } from '../kafka/kafka.port';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../db/transaction';
import { headerText } from '../kafka/header.text';
import { claimEvents } from '../inbox/inbox';
import { type MessageContext, contextOf, traceparentOf, tracer, withMessage } from '../tracing/trace-context';
import type { ConsumerObserver } from './consumer.observer';
import { type Failure, classifyFailure } from './error.classifier';

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
  handle: (events: DomainEvent[], ctx: BatchContext) => Promise<void>;
}

export interface BatchContext {
  tx: PoolClient;
  /** The trace context of each event's consumer span: what work the event causes later continues its trace with. */
  traceparentOf: (eventId: string) => string | null;
}

export interface ConsumerStats {
  processed: number;
  duplicates: number;
  skipped: number;
  deadLettered: number;
  /** Tries that failed transiently and were tried again later. */
  retries: number;
}

export interface Where {
  topic: string;
  partition: number;
}

/** A decoded message of one partition, in partition order. */
export interface UnitItem {
  event: DomainEvent;
  message: ConsumedRecord;
  where: Where;
}

/**
 * What became of a partition's run: its first `done` items are applied,
 * skipped or dead-lettered (their offsets may be committed); if `blocked`,
 * the next item failed transiently and must be tried again later.
 */
export interface RunOutcome {
  done: number;
  blocked?: Failure;
}

export interface UnitOfWorkOptions {
  groupId: string;
  handlers?: EventHandlers;
  batchHandler?: BatchHandler;
  pool: Pool;
  maxEventsPerTransaction: number;
  /** Sets a message aside for good (awaited before its offset is committed). */
  deadLetter: (item: UnitItem, failure: Failure, attempts: number) => Promise<void>;
  afterTransaction?: (events: readonly DomainEvent[]) => void | Promise<void>;
  stats: ConsumerStats;
  observer: ConsumerObserver;
}

interface QueuedRun {
  items: UnitItem[];
  attempts: number;
  resolve: (outcome: RunOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * The unit of work of a consumer, apart from the Kafka client: the inbox
 * claim, the handlers and their effects in one transaction, and what a
 * failure means.
 *
 * - transient failure (classifyFailure): nothing is set aside; the run comes
 *   back `blocked` and its partition tries again later from the same message;
 * - permanent failure of a run of several: one transaction per message, so only
 *   the one that fails is dead-lettered and the others are applied in order;
 * - permanent failure of one message: dead-lettered, its offset may move on.
 *
 * Runs that other partitions queue in the same tick (the batches of one fetch
 * are handed out together) share one transaction: one BEGIN, inbox claim and
 * COMMIT for all of them. If the shared one fails, each run goes alone.
 */
export class UnitOfWork {
  private readonly handles: (type: EventType) => boolean;
  private queued: QueuedRun[] = [];

  constructor(private readonly options: UnitOfWorkOptions) {
    const { handlers, batchHandler } = options;
    if ((handlers === undefined) === (batchHandler === undefined)) {
      throw new Error(`${options.groupId}: give a consumer either handlers or a batchHandler`);
    }
    this.handles = handlers ? (type) => handlers[type] !== undefined : (type) => batchHandler!.types.includes(type);
  }

  /** Resolves once the run's transaction committed, or with how far it got. `attempts` counts this try. */
  apply(items: UnitItem[], attempts: number): Promise<RunOutcome> {
    return new Promise((resolve, reject) => {
      this.queued.push({ items, attempts, resolve, reject });
      if (this.queued.length === 1) setImmediate(() => this.drain());
    });
  }

  private drain(): void {
    const units: QueuedRun[][] = [];
    let events = Infinity;
    for (const run of this.queued.splice(0)) {
      if (events + run.items.length > this.options.maxEventsPerTransaction) {
        units.push([]);
        events = 0;
      }
      units[units.length - 1]!.push(run);
      events += run.items.length;
    }
    for (const unit of units) void this.applyShared(unit);
  }

  private async applyShared(unit: QueuedRun[]): Promise<void> {
    if (unit.length > 1) {
      try {
        await this.applyInTransaction(unit.flatMap((run) => run.items));
        for (const run of unit) run.resolve({ done: run.items.length });
        return;
      } catch {
        // Each run on its own then, with its own outcome.
      }
    }
    await Promise.all(unit.map((run) => this.applyAlone(run.items, run.attempts).then(run.resolve, run.reject)));
  }

  private async applyAlone(items: UnitItem[], attempts: number): Promise<RunOutcome> {
    try {
      await this.applyInTransaction(items);
      return { done: items.length };
    } catch (error) {
      const failure = classifyFailure(error);
      if (failure.transient) {
        this.options.stats.retries += 1;
        this.options.observer.retried(items[0]!.where.topic);
        return { done: 0, blocked: failure };
      }
      if (items.length === 1) {
        await this.options.deadLetter(items[0]!, failure, attempts);
        this.options.stats.deadLettered += 1;
        this.options.observer.deadLettered(items[0]!.where.topic, failure.code);
        return { done: 1 };
      }
    }
    // A permanent failure somewhere in the run: one message at a time, in order.
    let done = 0;
    for (const item of items) {
      const outcome = await this.applyAlone([item], attempts);
      done += outcome.done;
      if (outcome.blocked) return { done, blocked: outcome.blocked };
    }
    return { done };
  }

  private async applyInTransaction(items: UnitItem[]): Promise<void> {
    const { stats, groupId, handlers, batchHandler, observer } = this.options;
    const handled = items.filter((item) => this.handles(item.event.type));
    // Events this consumer does not handle need no inbox row: no transaction at all.
    if (handled.length === 0) {
      stats.skipped += items.length;
      return;
    }
    const began = performance.now();
    const result = await inTransaction(this.options.pool, async (tx) => {
      const claimed = await claimEvents(
        tx,
        groupId,
        handled.map((item) => item.event.eventId),
      );
      // `claimed` also guards against one event twice in the same batch.
      const fresh: UnitItem[] = [];
      const duplicates: UnitItem[] = [];
      for (const item of handled) (claimed.delete(item.event.eventId) ? fresh : duplicates).push(item);
      if (batchHandler) {
        if (fresh.length > 0) {
          const spans = new Map(fresh.map((item) => [item.event.eventId, this.startSpan(item)]));
          const started = performance.now();
          try {
            await batchHandler.handle(
              fresh.map((item) => item.event),
              { tx, traceparentOf: (id) => traceparentOf(trace.setSpan(ROOT_CONTEXT, spans.get(id)!)) },
            );
          } catch (error) {
            for (const span of spans.values()) failed(span, error);
            throw error;
          } finally {
            for (const span of spans.values()) span.end();
          }
          const share = (performance.now() - started) / 1000 / fresh.length;
          for (const item of fresh) observer.eventHandled(item.where.topic, share);
        }
      } else {
        for (const item of fresh) {
          const { event, message, where } = item;
          const handler = handlers![event.type] as EventHandler<typeof event.type>;
          const span = this.startSpan(item);
          const started = performance.now();
          try {
            // The handler's log lines and outbox rows carry this event's span and coordinates.
            await withMessage(this.messageContext(item), () =>
              context.with(trace.setSpan(ROOT_CONTEXT, span), () =>
                handler(event as never, { tx, ...where, offset: message.offset }),
              ),
            );
          } catch (error) {
            failed(span, error);
            throw error;
          } finally {
            span.end();
          }
          observer.eventHandled(where.topic, (performance.now() - started) / 1000);
        }
      }
      return { fresh, duplicates };
    });
    stats.processed += result.fresh.length;
    stats.duplicates += result.duplicates.length;
    stats.skipped += items.length - handled.length;
    observer.unitCommitted({
      seconds: (performance.now() - began) / 1000,
      processed: result.fresh.map((item) => item.where),
      duplicates: result.duplicates.map((item) => item.where),
    });
    await this.options.afterTransaction?.(items.map((item) => item.event));
  }

  /** A CONSUMER span for the event, child of the span that wrote it (its `traceparent` header), if any. */
  private startSpan({ event, message, where }: UnitItem): Span {
    const parent = contextOf(headerText(message.headers?.[Headers.traceparent]));
    return tracer.startSpan(
      `${event.type} process`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': where.topic,
          'messaging.destination.partition.id': String(where.partition),
          'messaging.kafka.offset': Number(message.offset),
          'messaging.consumer.group.name': this.options.groupId,
          'messaging.message.id': event.eventId,
        },
      },
      parent,
    );
  }

  private messageContext({ event, message, where }: UnitItem): MessageContext {
    return {
      eventId: event.eventId,
      eventType: event.type,
      correlationId: event.correlationId,
      causationId: event.causationId,
      topic: where.topic,
      partition: where.partition,
      offset: message.offset,
      consumerGroup: this.options.groupId,
    };
  }
}

function failed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
