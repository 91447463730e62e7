import { eventConsumerProvider } from '@orderflow/platform';
import { EmailNotifications } from '../application/email.notifications';
import { EmailSender } from '../application/email.sender';
import { EMAIL_CONFIG, type EmailConfig } from '../config/email.config';
import { isNotificationEvent, notificationTypes } from '../domain/email.selection';

export const NOTIFICATION_CONSUMER = Symbol('NOTIFICATION_CONSUMER');

/**
 * `email.notifications`: orders.events and payments.events through the inbox.
 * It sends nothing itself: each batch's customer-facing events queue their
 * emails in the batch's transaction (one statement), and once it committed
 * the sender is woken to send them. PaymentAuthorized, PaymentDeclined and
 * EmailSent call for no email and are skipped.
 */
export const notificationConsumer = eventConsumerProvider(
  NOTIFICATION_CONSUMER,
  (_pool, _kafka, notifications: EmailNotifications, sender: EmailSender, config: EmailConfig) => ({
    groupId: config.EMAIL_CONSUMER_GROUP,
    topics: [config.ORDERS_EVENTS_TOPIC, config.PAYMENTS_EVENTS_TOPIC],
    deadLetterTopic: config.EMAIL_DEAD_LETTER_TOPIC,
    partitionsConsumedConcurrently: config.EMAIL_CONSUMER_CONCURRENCY,
    batchHandler: {
      types: notificationTypes,
      handle: (events, { tx, traceparentOf }) =>
        notifications.queue(tx, events.filter(isNotificationEvent), traceparentOf),
    },
    afterTransaction: () => sender.wake(),
  }),
  [EmailNotifications, EmailSender, EMAIL_CONFIG],
);
