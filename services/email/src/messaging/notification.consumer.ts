import { eventConsumerProvider } from '@orderflow/platform';
import { EmailNotifications } from '../application/email.notifications';
import { EMAIL_CONFIG, type EmailConfig } from '../config/email.config';

export const NOTIFICATION_CONSUMER = Symbol('NOTIFICATION_CONSUMER');

/**
 * `email.notifications`: orders.events and payments.events through the inbox.
 * One event per transaction, because the SMTP send cannot be rolled back: a
 * failure later in a batch must not undo the record of an email already sent.
 * Several partitions at once, so an email waiting on retries holds up only its
 * own partition. PaymentAuthorized/PaymentDeclined/EmailSent have no handler
 * and are skipped.
 */
export const notificationConsumer = eventConsumerProvider(
  NOTIFICATION_CONSUMER,
  (_pool, _kafka, notifications: EmailNotifications, config: EmailConfig) => ({
    groupId: config.EMAIL_CONSUMER_GROUP,
    topics: [config.ORDERS_EVENTS_TOPIC, config.PAYMENTS_EVENTS_TOPIC],
    deadLetterTopic: config.EMAIL_DEAD_LETTER_TOPIC,
    maxEventsPerTransaction: 1,
    partitionsConsumedConcurrently: config.EMAIL_CONSUMER_CONCURRENCY,
    handlers: {
      OrderPlaced: (event, { tx }) => notifications.notify(tx, event),
      OrderConfirmed: (event, { tx }) => notifications.notify(tx, event),
      OrderCancelled: (event, { tx }) => notifications.notify(tx, event),
      OrderShipped: (event, { tx }) => notifications.notify(tx, event),
      PaymentRefunded: (event, { tx }) => notifications.notify(tx, event),
    },
  }),
  [EmailNotifications, EMAIL_CONFIG],
);
