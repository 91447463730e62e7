import type { OnApplicationShutdown } from '@nestjs/common';
import { Topics } from '@orderflow/events';
import type { KafkaClient, RecordProducer } from '@orderflow/messaging';
import type { Pool } from 'pg';
import { loadOrderViews } from './order-view.projection';

/**
 * Publishes each changed order's latest state to the compacted `orders.state`
 * topic (or the configured one), keyed by order id, after the projection's
 * transaction committed. Read back from the read model, so what is published
 * is what was committed; at least once, which compaction makes harmless.
 */
export class OrderStatePublisher implements OnApplicationShutdown {
  private readonly producer: RecordProducer;
  private connected?: Promise<void>;

  constructor(
    kafka: KafkaClient,
    private readonly pool: Pool,
    private readonly topic: string = Topics.ordersState,
  ) {
    this.producer = kafka.safeProducer();
  }

  async publish(orderIds: readonly string[]): Promise<void> {
    if (orderIds.length === 0) return;
    this.connected ??= this.producer.connect();
    await this.connected;
    const orders = await loadOrderViews(this.pool, [...new Set(orderIds)]);
    await this.producer.send(
      this.topic,
      [...orders.values()].map((order) => ({ key: order.id, value: JSON.stringify(order) })),
    );
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }

  /** After the read-model consumer stopped (the app closes its consumers before any `onApplicationShutdown`), so nothing publishes any more. */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
