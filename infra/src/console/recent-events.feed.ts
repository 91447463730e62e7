import { randomUUID } from 'node:crypto';
import { type Tail, createKafka } from '@orderflow/messaging';
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
  private consumer: Tail | undefined;
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
    const consumer = this.kafka.tail({ groupId: this.groupId, topics: this.options.topics, fetchMaxWaitMs: 500 });
    this.consumer = consumer;
    // The client restarts the tail itself after a retriable failure; after any other, start anew here.
    consumer.onGroupEvent((event) => {
      if (event.kind === 'joined') {
        this.following = true;
        this.lastError = undefined;
      } else if (event.kind === 'crashed') {
        this.following = false;
        if (event.restarting) this.lastError = messageOf(event.error);
        else this.failed(event.error);
      }
    });
    try {
      await consumer.run((record) => this.add(viewOf(record.topic, record.partition, record)));
    } catch (error) {
      this.failed(error);
    }
  }

  private add(view: EventView): void {
    this.events = [view, ...this.events.slice(0, this.options.keep - 1)];
  }

  private failed(error: unknown): void {
    this.following = false;
    this.lastError = messageOf(error);
    if (this.stopped) return;
    clearTimeout(this.retry);
    void this.disconnect().then(() => {
      if (!this.stopped) this.retry = setTimeout(() => void this.connect(), this.options.retryMs ?? 5_000);
    });
  }

  private async disconnect(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.stop().catch(() => undefined);
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
