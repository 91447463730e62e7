import type { ConsumerStats } from '@orderflow/messaging';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The service's Prometheus metrics: Node's own (CPU, memory, event-loop lag,
 * time in garbage collection by kind) and what each consumer group has done.
 * One registry per process.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

const consumers = new Map<string, ConsumerStats>();

new Gauge({
  name: 'orderflow_consumer_events',
  help: 'Events a consumer group has handled since the service started, by outcome',
  labelNames: ['group', 'outcome'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    for (const [group, stats] of consumers) {
      for (const [outcome, count] of Object.entries(stats)) this.set({ group, outcome }, count);
    }
  },
});

export function watchConsumer(groupId: string, stats: ConsumerStats): void {
  consumers.set(groupId, stats);
}
