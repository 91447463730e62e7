import type { INestApplicationContext } from '@nestjs/common';
import { type CustomTransportStrategy, type MessageHandler, type MsPattern, Server } from '@nestjs/microservices';
import { EventConsumer, type KafkaClient } from '@orderflow/messaging';
import type { Pool } from 'pg';
import { PG_POOL } from '../database.provider';
import { ReadinessRegistry } from '../health/readiness.registry';
import { KAFKA } from '../kafka.provider';
import { consumerObserver, watchConsumer } from '../metrics/metrics.registry';
import { SERVICE_CONFIG, type ServiceEnv } from '../service.config';
import { type ConsumerGroupHandlers, type HandlerRegistration, consumerGroupsOf } from './consumer-group.mapping';
import { consumerReadiness } from './consumer.readiness';

/**
 * A Nest transport over our consumer runtime: one EventConsumer (libs/messaging)
 * per `@ConsumerGroup` controller, its handlers the controller's methods. The
 * runtime keeps what Nest's own Kafka transport has not: a transaction per
 * batch with the inbox claim, offsets committed only after it, retries with
 * backoff, dead letters, paused partitions, readiness and metrics.
 *
 * Lifecycle in a hybrid app (@nestjs/core's NestApplication):
 * - `listen` (from `startAllMicroservices`) starts the consumers without
 *   awaiting them: joining a group can take as long as the broker waits for a
 *   member that died, and the service answers HTTP meanwhile; readiness says
 *   when it has joined.
 * - `close` runs in the app's `dispose`, after every `beforeApplicationShutdown`
 *   and before any `onApplicationShutdown` — where the pool closes — on
 *   `app.close()` and on SIGTERM alike: the batch in hand finishes its
 *   transaction and commits its offsets.
 */
export class KafkaEventsTransport extends Server implements CustomTransportStrategy {
  /**
   * Each handler's failure reaches the unit of work (invokeHandler awaits it),
   * which retries or dead-letters it: Nest need not log it as unobserved.
   */
  override readonly propagatesEventHandlerErrors = true;
  private readonly registrations: HandlerRegistration[] = [];
  private readonly consumers: EventConsumer[] = [];

  /** `app`: where the pool, the Kafka client, readiness and the config are found, once there are consumers. */
  constructor(private readonly app: INestApplicationContext) {
    super();
  }

  /**
   * Keeps every handler apart. Server's own chains the handlers of one
   * pattern, so that calling the first calls all; two groups may each handle
   * one event type, each in its own transaction.
   */
  override addHandler(
    pattern: MsPattern,
    handler: MessageHandler,
    isEventHandler = false,
    extras: Record<string, unknown> = {},
  ): void {
    this.registrations.push({ pattern: this.normalizePattern(pattern), handler, isEventHandler, extras });
  }

  consumerGroups(): ConsumerGroupHandlers[] {
    return consumerGroupsOf(this.registrations);
  }

  listen(callback: (error?: unknown) => void): void {
    try {
      const groups = this.consumerGroups();
      if (groups.length > 0) this.startConsumers(groups);
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
  }

  /** The consumers, one per group. */
  unwrap<T>(): T {
    return this.consumers as T;
  }

  on(): never {
    throw new Error('KafkaEventsTransport emits no events: its consumers report through /health and /metrics');
  }

  private startConsumers(groups: ConsumerGroupHandlers[]): void {
    const pool = this.app.get<Pool>(PG_POOL, { strict: false });
    const kafka = this.app.get<KafkaClient>(KAFKA, { strict: false });
    const readiness = this.app.get(ReadinessRegistry, { strict: false });
    const config = this.app.get<ServiceEnv>(SERVICE_CONFIG, { strict: false });
    const groupIds = new Set<string>();
    for (const { declaration, handlers, batchHandler, afterTransaction } of groups) {
      const settings = declaration.settings(config);
      if (groupIds.has(settings.groupId)) throw new Error(`${declaration.controller}: group ${settings.groupId} twice`);
      groupIds.add(settings.groupId);
      const consumer = new EventConsumer({
        ...settings,
        handlers,
        batchHandler,
        afterTransaction,
        pool,
        kafka,
        observer: consumerObserver(settings.groupId),
      });
      watchConsumer(settings.groupId, { stats: consumer.stats, status: () => consumer.status() });
      readiness.register(consumerReadiness(consumer));
      this.consumers.push(consumer);
    }
    for (const consumer of this.consumers) void consumer.start();
  }
}
