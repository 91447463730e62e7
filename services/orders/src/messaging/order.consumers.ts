import { Logger, type Provider } from '@nestjs/common';
import type { EventOf } from '@orderflow/events';
import type { HandlerContext, KafkaClient } from '@orderflow/messaging';
import { KAFKA, PG_POOL, eventConsumerProvider } from '@orderflow/platform';
import type { Pool } from 'pg';
import { OrderCommands } from '../application/order.commands';
import { ORDERS_CONFIG, type OrdersConfig } from '../config/orders.config';
import { isOrderEvent, orderEventTypes } from '../domain/order';
import { reactToPayment } from '../domain/order.saga';
import { OrderStatePublisher } from '../projections/order-state.publisher';
import { projectEvents } from '../projections/order-view.projection';

const logger = new Logger('PaymentEvents');

export const READ_MODEL_CONSUMER = Symbol('READ_MODEL_CONSUMER');
export const PAYMENT_EVENTS_CONSUMER = Symbol('PAYMENT_EVENTS_CONSUMER');

/**
 * The orders service's consumers, thin: parse (done by the runtime) → call the
 * application → the runtime commits.
 *   orders.read-model      orders.events   → orders_view_v1, then orders.state
 *   orders.payment-events  payments.events → confirm or cancel the order (the saga)
 * Topic and group names come from the config (the real ones by default).
 */
export const orderConsumers: Provider[] = [
  {
    provide: OrderStatePublisher,
    inject: [KAFKA, PG_POOL, ORDERS_CONFIG],
    useFactory: (kafka: KafkaClient, pool: Pool, config: OrdersConfig) =>
      new OrderStatePublisher(kafka, pool, config.ORDERS_STATE_TOPIC),
  },
  eventConsumerProvider(
    READ_MODEL_CONSUMER,
    (_pool, _kafka, publisher: OrderStatePublisher, config: OrdersConfig) => ({
      groupId: config.ORDERS_READ_MODEL_CONSUMER_GROUP,
      topics: [config.ORDERS_EVENTS_TOPIC],
      deadLetterTopic: config.ORDERS_DEAD_LETTER_TOPIC,
      batchHandler: {
        types: orderEventTypes,
        handle: async (events, { tx }) => {
          await projectEvents(tx, events.filter(isOrderEvent));
        },
      },
      afterTransaction: (events) => publisher.publish(events.map((e) => e.aggregateId)),
    }),
    [OrderStatePublisher, ORDERS_CONFIG],
  ),
  eventConsumerProvider(
    PAYMENT_EVENTS_CONSUMER,
    (_pool, _kafka, commands: OrderCommands, config: OrdersConfig) => {
      const react = async (
        event: EventOf<'PaymentAuthorized'> | EventOf<'PaymentDeclined'>,
        { tx }: HandlerContext,
      ) => {
        await commands.executeIn(tx, event.aggregateId, reactToPayment(event), {
          correlationId: event.correlationId,
          causationId: event.eventId,
        });
        logger.debug(`order ${event.aggregateId}: ${event.type} applied`);
      };
      return {
        groupId: config.ORDERS_PAYMENT_EVENTS_CONSUMER_GROUP,
        topics: [config.PAYMENTS_EVENTS_TOPIC],
        deadLetterTopic: config.ORDERS_DEAD_LETTER_TOPIC,
        handlers: { PaymentAuthorized: react, PaymentDeclined: react },
      };
    },
    [OrderCommands, ORDERS_CONFIG],
  ),
];
