import { randomUUID } from 'node:crypto';
import { type AnyEnvelope, parseEvent } from '@orderflow/events';
import { createKafka, inTransaction } from '@orderflow/messaging';
import { randomIds, systemClock } from '@orderflow/platform';
import type { Pool } from 'pg';
import { EmailNotifications } from '../../src/application/email.notifications';
import { EmailSender, type EmailSenderOptions } from '../../src/application/email.sender';
import { isNotificationEvent } from '../../src/domain/email.selection';
import { KafkaDeadLetters } from '../../src/messaging/email.dead-letters';
import { SmtpMailer } from '../../src/smtp/smtp.mailer';
import { TemplateRenderer } from '../../src/templating/template.renderer';

/** Short time-outs and backoffs, so a test sees a retry or a take-over in a second or two. */
export const testSenderOptions = (overrides: Partial<EmailSenderOptions> = {}): EmailSenderOptions => ({
  senderId: `test-sender-${randomUUID()}`,
  connections: 2,
  leaseMs: 10_000,
  sendBudgetMs: 3_000,
  pollIntervalMs: 100,
  retry: { initialMs: 100, maxMs: 1_000 },
  stopTimeoutMs: 5_000,
  ...overrides,
});

export interface TestSender {
  sender: EmailSender;
  /** Stops the sender, then closes its SMTP transport and producer, as the app's shutdown does. */
  close(): Promise<void>;
}

/** A sender on `pool` sending to `smtpUrl`, dead-lettering to `deadLetterTopic`; started. */
export function startSender(
  pool: Pool,
  smtpUrl: string,
  deadLetterTopic: { brokers: string[]; topic: string },
  options: Partial<EmailSenderOptions> = {},
  { templates = TemplateRenderer.load(), smtpTimeoutMs = 1_000 } = {},
): TestSender {
  const settings = testSenderOptions(options);
  const mailer = new SmtpMailer({
    url: smtpUrl,
    from: 'Orderflow <orders@orderflow.local>',
    timeoutMs: smtpTimeoutMs,
    maxConnections: settings.connections,
  });
  const deadLetters = new KafkaDeadLetters(createKafka('test-email-sender', deadLetterTopic.brokers), {
    topic: deadLetterTopic.topic,
    sourceTopics: { orders: 'orders.events', payments: 'payments.events' },
    consumerGroup: 'email.notifications',
  });
  const sender = new EmailSender({ pool, mailer, templates, deadLetters, clock: systemClock }, settings);
  sender.start();
  return {
    sender,
    close: async () => {
      await sender.stop();
      mailer.onApplicationShutdown();
      await deadLetters.onApplicationShutdown();
    },
  };
}

/** Queues the emails of `events` in one transaction, as the consumer does with a batch. */
export async function queueEmails(pool: Pool, events: AnyEnvelope[]): Promise<void> {
  const notifications = new EmailNotifications(randomIds);
  await inTransaction(pool, (tx) => notifications.queue(tx, events.map(parseEvent).filter(isNotificationEvent)));
}

/** An email's row, by its triggering event. */
export async function emailRow(pool: Pool, eventId: string) {
  const { rows } = await pool.query<{
    status: string;
    recipient: string | null;
    position: number;
    attempts: number;
    last_error: string | null;
    next_attempt_at: Date;
    sent_at: Date | null;
    sent_event_id: string;
  }>('SELECT * FROM emails WHERE event_id = $1', [eventId]);
  return rows[0];
}

export const messageIdOf = (event: AnyEnvelope) => `<${event.eventId}@orderflow.local>`;
