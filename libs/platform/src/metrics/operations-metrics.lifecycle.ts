import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import {
  ConsumerLagMonitor,
  type KafkaClient,
  type OutboxBacklog,
  projectLagWatch,
  readOutboxBacklog,
} from '@orderflow/messaging';
import type { Pool } from 'pg';
import { PG_POOL } from '../database.provider';
import { KAFKA } from '../kafka.provider';
import type { ServiceEnv } from '../service.config';
import { setServiceName, watchLag, watchOutboxBacklog } from './metrics.registry';

/**
 * Reads, every METRICS_REFRESH_MS, what a scrape must not wait for: every
 * project group's lag (from the broker) and this service's outbox backlog
 * (from its database). A scrape reports the last reading; a failed reading
 * keeps the previous one.
 */
class OperationsMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OperationsMetrics');
  private backlog: OutboxBacklog | undefined;
  private timer: NodeJS.Timeout | undefined;
  private backlogFailing = false;

  constructor(
    private readonly lag: ConsumerLagMonitor,
    private readonly pool: Pool,
    private readonly slotName: string,
    private readonly intervalMs: number,
  ) {}

  onApplicationBootstrap(): void {
    watchLag(() => this.lag.current());
    watchOutboxBacklog(() => this.backlog);
    this.lag.start();
    const refresh = () => void this.refreshBacklog();
    refresh();
    this.timer = setInterval(refresh, this.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.lag.stop();
  }

  private async refreshBacklog(): Promise<void> {
    try {
      this.backlog = await readOutboxBacklog(this.pool, this.slotName);
      this.backlogFailing = false;
    } catch (error) {
      if (!this.backlogFailing) this.logger.warn(`outbox backlog unreadable: ${(error as Error).message}`);
      this.backlogFailing = true;
    }
  }
}

export const operationsMetricsProvider = (config: ServiceEnv): Provider => ({
  provide: OperationsMetrics,
  inject: [PG_POOL, KAFKA],
  useFactory: (pool: Pool, kafka: KafkaClient) => {
    setServiceName(config.SERVICE_NAME);
    const lag = new ConsumerLagMonitor(kafka, { ...projectLagWatch, intervalMs: config.METRICS_REFRESH_MS });
    return new OperationsMetrics(
      lag,
      pool,
      config.OUTBOX_SLOT_NAME ?? `${config.SERVICE_NAME}_outbox`,
      config.METRICS_REFRESH_MS,
    );
  },
});
