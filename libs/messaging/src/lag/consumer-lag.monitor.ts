import { Topics } from '@orderflow/events';
import { describeError } from '../consumer/error.classifier';
import type { KafkaAdmin, KafkaClient } from '../kafka/kafka.port';
import { type EndOffsetSample, keepRecent, oldestUnconsumedSeconds } from './lag.estimate';

export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  /** The next offset the group reads (its committed offset; the log start if it never committed). */
  committed: number;
  /** The log end offset. */
  end: number;
  /** Messages written and not yet consumed by the group. */
  messages: number;
  /** How long the oldest of them has waited (estimated from the history of the end offset; see lag.estimate.ts). */
  seconds: number;
}

/**
 * What the project watches: the consumer groups of its services
 * (`<service>.<purpose>`) on the three event streams. The services' /metrics,
 * the admin CLI and the console all read this.
 */
export const projectLagWatch = {
  groupPrefixes: ['orders.', 'payments.', 'email.'],
  topics: [Topics.ordersEvents, Topics.paymentsEvents, Topics.emailEvents],
} as const;

export interface ConsumerLagMonitorOptions {
  /** Which consumer groups to watch: those whose id starts with one of these (e.g. `payments.`). */
  groupPrefixes: readonly string[];
  /** The topics to look at; a group that never committed on one of them has no lag there. */
  topics: readonly string[];
  /** How often to read the offsets. */
  intervalMs: number;
  /** How much end-offset history to keep per partition for the lag in time. */
  historyMs?: number;
}

/**
 * Every few seconds, reads each watched group's committed offsets and the log
 * end offsets of the topics it has committed on, from the broker (the group's own
 * members need not be running: a stopped service's lag keeps rising here).
 * `current()` is the last reading; a failed reading keeps the previous one and
 * says why in `lastError`.
 */
export class ConsumerLagMonitor {
  private readonly admin: KafkaAdmin;
  private readonly history = new Map<string, EndOffsetSample[]>();
  /** The topics each group's members subscribed to, as last seen while it had members. */
  private readonly subscriptions = new Map<string, Set<string>>();
  private readonly historyMs: number;
  private reading: PartitionLag[] = [];
  private connected = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  lastError: string | undefined;

  constructor(
    kafka: KafkaClient,
    private readonly options: ConsumerLagMonitorOptions,
  ) {
    this.admin = kafka.admin();
    this.historyMs = options.historyMs ?? 15 * 60_000;
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      this.inFlight ??= this.refresh()
        .then(() => undefined)
        .finally(() => (this.inFlight = undefined));
    };
    tick();
    this.timer = setInterval(tick, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
    if (this.connected) await this.admin.disconnect().catch(() => undefined);
    this.connected = false;
  }

  current(): readonly PartitionLag[] {
    return this.reading;
  }

  /** Reads the offsets now; resolves with the new reading (or the previous one if the broker could not be read). */
  async refresh(): Promise<readonly PartitionLag[]> {
    try {
      if (!this.connected) {
        await this.admin.connect();
        this.connected = true;
      }
      this.reading = await this.read(Date.now());
      this.lastError = undefined;
    } catch (error) {
      this.lastError = describeError(error);
    }
    return this.reading;
  }

  /** Records what the members of each watched group subscribe to (their join metadata), while they are there. */
  private async rememberSubscriptions(groups: string[]): Promise<void> {
    for (const [groupId, topics] of await this.admin.subscribedTopics(groups)) {
      if (topics.length > 0) this.subscriptions.set(groupId, new Set(topics));
    }
  }

  private async read(now: number): Promise<PartitionLag[]> {
    const watched = (await this.admin.listGroups())
      // A group that only ever had offsets committed for it (by an admin tool) has no protocol type.
      .filter(
        (g) =>
          ['consumer', ''].includes(g.protocolType) && this.options.groupPrefixes.some((p) => g.groupId.startsWith(p)),
      )
      .map((g) => g.groupId)
      .sort();
    await this.rememberSubscriptions(watched);
    const commits = await Promise.all(
      watched.map(async (group) => {
        const offsets = await this.admin.committedOffsets(group, this.options.topics);
        // A topic the group committed on, or one its members subscribed to: a group that never committed
        // (a service stopped before its first event) still lags by everything written since the log start.
        const subscribed = this.subscriptions.get(group) ?? new Set<string>();
        return {
          group,
          topics: offsets.filter((t) => subscribed.has(t.topic) || t.partitions.some((p) => Number(p.offset) >= 0)),
        };
      }),
    );
    const topics = [...new Set(commits.flatMap((c) => c.topics.map((t) => t.topic)))].sort();
    const ends = new Map<string, { end: number; start: number }>();
    for (const topic of topics) {
      for (const p of await this.admin.topicOffsets(topic)) {
        const key = `${topic}/${p.partition}`;
        const end = Number(p.high);
        ends.set(key, { end, start: Number(p.low) });
        let history = this.history.get(key);
        if (!history) this.history.set(key, (history = []));
        keepRecent(history, { at: now, end }, this.historyMs, 512);
      }
    }
    const lags: PartitionLag[] = [];
    for (const { group, topics: committedTopics } of commits) {
      for (const { topic, partitions } of committedTopics) {
        for (const { partition, offset } of partitions) {
          const log = ends.get(`${topic}/${partition}`);
          if (!log) continue;
          const committed = Number(offset) >= 0 ? Number(offset) : log.start;
          const messages = Math.max(0, log.end - committed);
          const history = this.history.get(`${topic}/${partition}`) ?? [];
          lags.push({
            group,
            topic,
            partition,
            committed,
            end: log.end,
            messages,
            seconds: messages === 0 ? 0 : oldestUnconsumedSeconds(history, committed, now),
          });
        }
      }
    }
    return lags;
  }
}
