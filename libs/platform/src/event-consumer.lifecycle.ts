import type { BeforeApplicationShutdown, OnApplicationBootstrap, Provider } from '@nestjs/common';
import { EventConsumer, type EventConsumerOptions } from '@orderflow/messaging';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { PG_POOL } from './database.provider';
import { KAFKA } from './kafka.provider';
import { watchConsumer } from './metrics/metrics.registry';

/**
 * Runs an EventConsumer for as long as the app: started once the app is up,
 * stopped in `beforeApplicationShutdown` — before the pool closes in
 * `onApplicationShutdown` — so the batch in hand finishes its transaction and
 * commits on SIGTERM.
 */
class ConsumerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(readonly consumer: EventConsumer) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }
}

/**
 * A Nest provider for one consumer group. `options` receives the service's
 * pool and Kafka client plus whatever else `inject` names.
 */
export function eventConsumerProvider(
  token: symbol,
  options: (pool: Pool, kafka: Kafka, ...deps: never[]) => Omit<EventConsumerOptions, 'pool' | 'kafka'>,
  inject: (string | symbol | (abstract new (...args: never[]) => unknown))[] = [],
): Provider {
  return {
    provide: token,
    inject: [PG_POOL, KAFKA, ...inject],
    useFactory: (pool: Pool, kafka: Kafka, ...deps: never[]) => {
      const settings = options(pool, kafka, ...deps);
      const consumer = new EventConsumer({ ...settings, pool, kafka });
      watchConsumer(settings.groupId, consumer.stats);
      return new ConsumerLifecycle(consumer);
    },
  };
}
