import type { OnApplicationBootstrap, OnApplicationShutdown, Provider } from '@nestjs/common';
import { OutboxPruner } from '@orderflow/messaging';
import type { Pool } from 'pg';
import { PG_POOL } from './database.provider';
import type { ServiceEnv } from './service.config';

/** Keeps the service's outbox table small while the service runs (see OutboxPruner for why that is safe). */
class OutboxPrunerLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(private readonly pruner: OutboxPruner | undefined) {}

  onApplicationBootstrap(): void {
    this.pruner?.start();
  }

  onApplicationShutdown(): void {
    this.pruner?.stop();
  }
}

export const outboxPrunerProvider = (config: ServiceEnv): Provider => ({
  provide: OutboxPrunerLifecycle,
  inject: [PG_POOL],
  useFactory: (pool: Pool) =>
    new OutboxPrunerLifecycle(
      config.OUTBOX_PRUNE_INTERVAL_MS === 0
        ? undefined
        : new OutboxPruner(pool, {
            intervalMs: config.OUTBOX_PRUNE_INTERVAL_MS,
            keepMs: config.OUTBOX_KEEP_MS,
            slotName: config.OUTBOX_SLOT_NAME ?? `${config.SERVICE_NAME}_outbox`,
          }),
    ),
});
