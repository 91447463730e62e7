import type { Provider } from '@nestjs/common';
import { type EventOf, Topics } from '@orderflow/events';
import type { HandlerContext } from '@orderflow/messaging';
import { KAFKA, PG_POOL, eventConsumerProvider } from '@orderflow/platform';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { OrderCommands } from '../application/order.commands';
import { isOrderEvent, orderEventTypes } from '../domain/order';
import { reactToPayment } from '../domain/order.saga';
import { OrderStatePublisher } from '../projections/order-state.publisher';
import { projectEvents } from '../projections/order-view.projection';

export const READ_MODEL_CONSUMER = Symbol('READ_MODEL_CONSUMER');
export const PAYMENT_EVENTS_CONSUMER = Symbol('PAYMENT_EVENTS_CONSUMER');

/**
 * The orders service's consumers, thin: parse (done by the runtime) → call the
 * application → the runtime commits.
 *   orders.read-model      orders.events   → orders_view_v1, then orders.state
 *   orders.payment-events  payments.events → confirm or cancel the order (the saga)
 */
export const orderConsumers: Provider[] = [
  {
    provide: OrderStatePublisher,
    inject: [KAFKA, PG_POOL],
    useFactory: (kafka: Kafka, pool: Pool) => new OrderStatePublisher(kafka, pool),
  },
  eventConsumerProvider(
    READ_MODEL_CONSUMER,
    (_pool, _kafka, publisher: OrderStatePublisher) => ({
      groupId: 'orders.read-model',
      topics: [Topics.ordersEvents],
      deadLetterTopic: Topics.ordersDeadLetter,
      batchHandler: {
        types: orderEventTypes,
        handle: async (events, { tx }) => {
          await projectEvents(tx, events.filter(isOrderEvent));
        },
      },
      afterTransaction: (events) => publisher.publish(events.map((e) => e.aggregateId)),
    }),
    [OrderStatePublisher],
  ),
  eventConsumerProvider(
    PAYMENT_EVENTS_CONSUMER,
    (_pool, _kafka, commands: OrderCommands) => {
      const react = async (
        event: EventOf<'PaymentAuthorized'> | EventOf<'PaymentDeclined'>,
        { tx }: HandlerContext,
      ) => {
        await commands.executeIn(tx, event.aggregateId, reactToPayment(event), {
          correlationId: event.correlationId,
          causationId: event.eventId,
        });
      };
      return {
        groupId: 'orders.payment-events',
        topics: [Topics.paymentsEvents],
        deadLetterTopic: Topics.ordersDeadLetter,
        handlers: { PaymentAuthorized: react, PaymentDeclined: react },
      };
    },
    [OrderCommands],
  ),
];
