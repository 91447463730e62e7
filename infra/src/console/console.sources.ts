import { ConsumerLagMonitor, createKafka, projectLagWatch } from '@orderflow/messaging';
import { readStory } from '../cli/commands/order.command';
import { readTopics } from '../cli/commands/topics.command';
import type { StackConfig } from '../config/stack.config';
import { stackStatus } from '../stack';
import { CachedReading } from './cached.reading';
import type { ConsoleSources } from './console.server';
import { readDeadLettersOfServices } from './dead-letters.reading';
import { RecentEventsFeed } from './recent-events.feed';

/** The topics the saga flows on: what the lag, the last events and a timeline are about. */
const eventTopics = [...projectLagWatch.topics];

export interface LiveSources extends ConsoleSources {
  /** The consumer group the last events are read through (deleted on stop). */
  eventsGroup: string;
  start(): void;
  stop(): Promise<void>;
}

/**
 * The console's sources on the running stack. Two run for the life of the
 * console — the lag monitor (the one the services' /metrics use) and the feed
 * of recent events — and are only read per request; the rest is read on
 * request, at most once per short interval however many pages poll.
 */
export function liveSources(config: StackConfig): LiveSources {
  const lag = new ConsumerLagMonitor(createKafka('orderflow-console', config.kafka.brokers), {
    ...projectLagWatch,
    intervalMs: 2_000,
  });
  const feed = new RecentEventsFeed({ brokers: config.kafka.brokers, topics: eventTopics, keep: 100 });
  const status = new CachedReading(() => stackStatus(config), 1_000);
  const topics = new CachedReading(() => readTopics(config, false), 1_500);
  // Reading a dead-letter topic means joining a throwaway group: not on every poll.
  const deadLetters = new CachedReading(() => readDeadLettersOfServices(config), 5_000);
  return {
    eventsGroup: feed.groupId,
    start() {
      lag.start();
      feed.start();
    },
    async stop() {
      await Promise.all([lag.stop(), feed.stop()]);
    },
    status: () => status.get(),
    topics: () => topics.get(),
    lag() {
      if (lag.lastError) throw new Error(`cannot read consumer lag: ${lag.lastError}`);
      return lag.current();
    },
    events() {
      if (feed.lastError) throw new Error(`not following ${eventTopics.join(', ')}: ${feed.lastError}`);
      return { following: feed.following, events: feed.current() };
    },
    deadLetters: () => deadLetters.get(),
    timeline: (orderId) => readStory(config, orderId),
  };
}
