import { randomUUID } from 'node:crypto';
import { createKafka } from '@orderflow/messaging';
import type { Consumer } from 'kafkajs';
import { type EventView, viewOf } from '../cli/commands/event.view';

export interface RecentEventsOptions {
  brokers: string[];
  topics: readonly string[];
  /** How many events to keep, newest first. */
  keep: number;
  /** How long to wait before connecting again after the consumer could not start or crashed. */
  retryMs?: number;
}

/**
 * The last events flowing on the given topics, as they arrive: one consumer
 * for the life of the console, in a throwaway group of its own
 * (`orderflow.console.<uuid>`) that starts at the end of each partition and
 * never commits — it must not move any real group, and a restart need not
 * resume. The group is deleted on stop, so it does not linger in lag readings.
 */
export class RecentEventsFeed {
  readonly groupId = `orderflow.console.${randomUUID()}`;
  private readonly kafka;
  private consumer: Consumer | undefined;
  private events: EventView[] = [];
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Why the feed is not following the topics right now; undefined while it is (or still joining). */
  lastError: string | undefined;
  /** Whether the consumer has joined its group, i.e. events arriving now are seen. */
  following = false;

  constructor(private readonly options: RecentEventsOptions) {
    this.kafka = createKafka('orderflow-console', options.brokers);
  }

  /** Starts following; a broker that is away is tried again every `retryMs`, never thrown at the caller. */
  start(): void {
    void this.connect();
  }

  /** Newest first. */
  current(): readonly EventView[] {
    return this.events;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.disconnect();
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch {
      // Never committed, so the group holds nothing; the broker drops an empty group on its own later.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const consumer = this.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 500 });
    this.consumer = consumer;
    // kafkajs restarts the consumer itself after a retriable failure; after any other, start anew here.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.following = false;
      if (payload.restart) this.lastError = payload.error.message;
      else this.failed(payload.error);
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.following = true;
      this.lastError = undefined;
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => this.add(viewOf(topic, partition, message)),
      });
    } catch (error) {
      this.failed(error);
    }
  }

  private add(view: EventView): void {
    this.events = [view, ...this.events.slice(0, this.options.keep - 1)];
  }

  private failed(error: unknown): void {
    this.following = false;
    this.lastError = error instanceof Error ? error.message : String(error);
    if (this.stopped) return;
    clearTimeout(this.retry);
    void this.disconnect().then(() => {
      if (!this.stopped) this.retry = setTimeout(() => void this.connect(), this.options.retryMs ?? 5_000);
    });
  }

  private async disconnect(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch(() => undefined);
  }
}
