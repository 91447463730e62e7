import type {
  ConsumerObserver,
  ConsumerStats,
  ConsumerStatus,
  OutboxBacklog,
  PartitionLag,
} from '@orderflow/messaging';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The service's Prometheus metrics (one registry per process): Node's own
 * (CPU, memory, event-loop lag, GC), what each consumer group does
 * (processed, duplicates, retries, blocked time, dead letters, processing
 * time), every project group's lag, the outbox backlog, and HTTP requests.
 * Names follow Prometheus' conventions: base units, `_total` counters.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

const registers = [metricsRegistry];

/** What each consumer of this process reports when scraped. */
const consumers = new Map<string, { stats: ConsumerStats; status: () => ConsumerStatus }>();
let lagSource: () => readonly PartitionLag[] = () => [];
let backlogSource: () => OutboxBacklog | undefined = () => undefined;

new Gauge({
  name: 'orderflow_consumer_events',
  help: 'Events a consumer group has handled since the service started, by outcome',
  labelNames: ['group', 'outcome'] as const,
  registers,
  collect() {
    this.reset();
    for (const [group, { stats }] of consumers) {
      for (const [outcome, count] of Object.entries(stats)) this.set({ group, outcome }, count);
    }
  },
});

const processed = new Counter({
  name: 'orderflow_consumer_messages_total',
  help: 'Events a consumer group applied (new to its inbox), by topic and partition',
  labelNames: ['group', 'topic', 'partition'] as const,
  registers,
});
const duplicates = new Counter({
  name: 'orderflow_consumer_duplicates_total',
  help: 'Redelivered events the inbox found already applied and skipped',
  labelNames: ['group', 'topic'] as const,
  registers,
});
const retries = new Counter({
  name: 'orderflow_consumer_retries_total',
  help: 'Units that failed transiently and were tried again later (nothing dead-lettered)',
  labelNames: ['group', 'topic'] as const,
  registers,
});
const deadLetters = new Counter({
  name: 'orderflow_dead_letters_total',
  help: 'Messages set aside on the dead-letter topic, by the code of the reason',
  labelNames: ['group', 'topic', 'reason'] as const,
  registers,
});
const unitSeconds = new Histogram({
  name: 'orderflow_consumer_unit_duration_seconds',
  help: "A unit of work's transaction, BEGIN to COMMIT (inbox claim and handlers of every event in it)",
  labelNames: ['group'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers,
});
const eventSeconds = new Histogram({
  name: 'orderflow_consumer_event_duration_seconds',
  help: "One event's handler, inside its unit (a projection's batch: its share per event)",
  labelNames: ['group', 'topic'] as const,
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
  registers,
});

new Gauge({
  name: 'orderflow_consumer_blocked_partitions',
  help: 'Partitions of a consumer group waiting out a transient failure in this process',
  labelNames: ['group'] as const,
  registers,
  collect() {
    this.reset();
    for (const [group, { status }] of consumers) this.set({ group }, status().blocked.length);
  },
});
new Counter({
  name: 'orderflow_consumer_blocked_seconds_total',
  help: 'Partition-seconds a consumer group spent waiting out transient failures in this process',
  labelNames: ['group'] as const,
  registers,
  collect() {
    this.reset();
    for (const [group, { status }] of consumers) this.inc({ group }, status().blockedSeconds);
  },
});

new Gauge({
  name: 'orderflow_consumer_lag_messages',
  help: "Messages written and not yet consumed by a group (committed offset to log end), read from the broker: every instance reports every project group's lag",
  labelNames: ['group', 'topic', 'partition'] as const,
  registers,
  collect() {
    this.reset();
    for (const l of lagSource()) this.set({ group: l.group, topic: l.topic, partition: l.partition }, l.messages);
  },
});
new Gauge({
  name: 'orderflow_consumer_lag_seconds',
  help: 'How long the oldest message a group has not consumed has waited (estimated from the end-offset history)',
  labelNames: ['group', 'topic', 'partition'] as const,
  registers,
  collect() {
    this.reset();
    for (const l of lagSource()) this.set({ group: l.group, topic: l.topic, partition: l.partition }, l.seconds);
  },
});

new Gauge({
  name: 'orderflow_outbox_backlog_rows',
  help: "Outbox rows Debezium has not confirmed yet (written after its replication slot's confirmed position)",
  labelNames: ['service'] as const,
  registers,
  collect() {
    this.reset();
    const backlog = backlogSource();
    if (backlog) this.set({ service: serviceName }, backlog.rows);
  },
});
new Gauge({
  name: 'orderflow_outbox_oldest_age_seconds',
  help: 'Age of the oldest outbox row Debezium has not confirmed yet (0 when none)',
  labelNames: ['service'] as const,
  registers,
  collect() {
    this.reset();
    const backlog = backlogSource();
    if (backlog) this.set({ service: serviceName }, backlog.oldestSeconds);
  },
});

export const httpRequests = new Counter({
  name: 'orderflow_http_requests_total',
  help: 'HTTP requests answered, by method, route (the pattern, not the path) and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers,
});
export const httpSeconds = new Histogram({
  name: 'orderflow_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers,
});

let serviceName = 'unknown';

export function setServiceName(name: string): void {
  serviceName = name;
}

/** Reports a consumer's counts and status at each scrape. */
export function watchConsumer(groupId: string, consumer: { stats: ConsumerStats; status: () => ConsumerStatus }): void {
  consumers.set(groupId, consumer);
}

/** The observer to give a consumer of `groupId`: its units, handlers, retries and dead letters as metrics. */
export function consumerObserver(groupId: string): ConsumerObserver {
  return {
    unitCommitted(unit) {
      unitSeconds.observe({ group: groupId }, unit.seconds);
      for (const { topic, partition } of unit.processed) processed.inc({ group: groupId, topic, partition });
      for (const { topic } of unit.duplicates) duplicates.inc({ group: groupId, topic });
    },
    eventHandled: (topic, seconds) => eventSeconds.observe({ group: groupId, topic }, seconds),
    retried: (topic) => retries.inc({ group: groupId, topic }),
    deadLettered: (topic, code) => deadLetters.inc({ group: groupId, topic, reason: code }),
  };
}

export function watchLag(source: () => readonly PartitionLag[]): void {
  lagSource = source;
}

export function watchOutboxBacklog(source: () => OutboxBacklog | undefined): void {
  backlogSource = source;
}
