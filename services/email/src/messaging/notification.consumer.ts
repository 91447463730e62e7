import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import type { DomainEvent } from '@orderflow/events';
import { AfterCommit, ConsumerGroup, EventBatch, EventBatchContext } from '@orderflow/platform';
import { EmailNotifications } from '../application/email.notifications';
import { EmailSender } from '../application/email.sender';
import type { EmailConfig } from '../config/email.config';
import { isNotificationEvent, notificationTypes } from '../domain/email.selection';

/**
 * `email.notifications`: orders.events and payments.events through the inbox.
 * It sends nothing itself: each batch's customer-facing events queue their
 * emails in the batch's transaction (one statement), and once it committed
 * the sender is woken to send them. PaymentAuthorized, PaymentDeclined and
 * EmailSent call for no email and are skipped.
 */
@Controller()
@ConsumerGroup((config: EmailConfig) => ({
  groupId: config.EMAIL_CONSUMER_GROUP,
  topics: [config.ORDERS_EVENTS_TOPIC, config.PAYMENTS_EVENTS_TOPIC],
  deadLetterTopic: config.EMAIL_DEAD_LETTER_TOPIC,
  partitionsConsumedConcurrently: config.EMAIL_CONSUMER_CONCURRENCY,
}))
export class NotificationConsumer {
  constructor(
    private readonly notifications: EmailNotifications,
    private readonly sender: EmailSender,
  ) {}

  @EventBatch(notificationTypes)
  queueEmails(@Payload() events: DomainEvent[], @Ctx() ctx: EventBatchContext): Promise<void> {
    return this.notifications.queue(ctx.getTransaction(), events.filter(isNotificationEvent), (eventId) =>
      ctx.traceparentOf(eventId),
    );
  }

  @AfterCommit()
  wakeSender(): void {
    this.sender.wake();
  }
}
