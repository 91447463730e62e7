import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { DomainEvent } from '@orderflow/events';
import { AfterCommit, ConsumerGroup, EventBatch, EventBatchContext } from '@orderflow/platform';
import type { OrdersConfig } from '../config/orders.config';
import { isOrderEvent, orderEventTypes } from '../domain/order';
import { OrderStatePublisher } from '../projections/order-state.publisher';
import { projectEvents } from '../projections/order-view.projection';

/**
 * `orders.read-model`: orders.events → orders_view_v1 (a unit's events at
 * once: one read and one write per order), then each changed order's state to
 * orders.state once the unit committed. Group and topic names come from the config.
 */
@Controller()
@ConsumerGroup((config: OrdersConfig) => ({
  groupId: config.ORDERS_READ_MODEL_CONSUMER_GROUP,
  topics: [config.ORDERS_EVENTS_TOPIC],
  deadLetterTopic: config.ORDERS_DEAD_LETTER_TOPIC,
}))
export class ReadModelConsumer {
  constructor(private readonly publisher: OrderStatePublisher) {}

  @EventBatch(orderEventTypes)
  async project(@Payload() events: DomainEvent[], @Ctx() ctx: EventBatchContext): Promise<void> {
    await projectEvents(ctx.getTransaction(), events.filter(isOrderEvent));
  }

  @AfterCommit()
  publishStates(@Payload() events: readonly DomainEvent[]): Promise<void> {
    return this.publisher.publish(events.map((event) => event.aggregateId));
  }
}
