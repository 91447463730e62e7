import type { BeforeApplicationShutdown, OnApplicationBootstrap, Provider } from '@nestjs/common';
import { EventConsumer, type EventConsumerOptions, type KafkaClient } from '@orderflow/messaging';
import type { Pool } from 'pg';
import { PG_POOL } from './database.provider';
import { ReadinessRegistry, type ReadinessReport, type ReadinessSource } from './health/readiness.registry';
import { KAFKA } from './kafka.provider';
import { consumerObserver, watchConsumer } from './metrics/metrics.registry';

/**
 * Runs an EventConsumer for as long as the app. Started, not awaited, once the
 * app is up: joining a group can take as long as the broker waits for a member
 * that died (its session time-out), and the service answers HTTP meanwhile;
 * readiness says when it has joined. Stopped in `beforeApplicationShutdown` —
 * before the pool closes in `onApplicationShutdown` — so the batch in hand
 * finishes its transaction and commits on SIGTERM.
 */
class ConsumerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, ReadinessSource {
  constructor(readonly consumer: EventConsumer) {}

  get name(): string {
    return `consumer ${this.consumer.status().groupId}`;
  }

  onApplicationBootstrap(): void {
    void this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }

  readiness(): ReadinessReport {
    const { state, blocked, lastError } = this.consumer.status();
    return {
      ready: state === 'joined' && blocked.length === 0,
      details: { state, blocked, ...(state !== 'joined' && lastError ? { lastError } : {}) },
    };
  }
}

/**
 * A Nest provider for one consumer group. `options` receives the service's
 * pool and Kafka client plus whatever else `inject` names.
 */
export function eventConsumerProvider(
  token: symbol,
  options: (pool: Pool, kafka: KafkaClient, ...deps: never[]) => Omit<EventConsumerOptions, 'pool' | 'kafka'>,
  inject: (string | symbol | (abstract new (...args: never[]) => unknown))[] = [],
): Provider {
  return {
    provide: token,
    inject: [PG_POOL, KAFKA, ReadinessRegistry, ...inject],
    useFactory: (pool: Pool, kafka: KafkaClient, readiness: ReadinessRegistry, ...deps: never[]) => {
      const settings = options(pool, kafka, ...deps);
      const consumer = new EventConsumer({
        ...settings,
        pool,
        kafka,
        observer: consumerObserver(settings.groupId),
      });
      watchConsumer(settings.groupId, { stats: consumer.stats, status: () => consumer.status() });
      const lifecycle = new ConsumerLifecycle(consumer);
      readiness.register(lifecycle);
      return lifecycle;
    },
  };
}
