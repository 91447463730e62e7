import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Headers } from '@orderflow/events';
import type { Pool } from 'pg';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { anOrderPlaced } from '../../../test/support/event.factory';
import { EventPublisher } from '../../../test/support/event.publisher';
import { aPaymentRefunded, anOrderConfirmed } from '../../../test/support/follow-up-events.factory';
import { startServiceApp } from '../../../test/support/service-app';
import { freshDatabase } from '../../../test/support/test-database';
import { createTestTopics } from '../../../test/support/test-topics';
import { TopicTail } from '../../../test/support/topic.tail';
import { waitUntil } from '../../../test/support/wait-until';
import { AppModule } from '../src/app.module';
import { EmailSender } from '../src/application/email.sender';
import { loadEmailConfig } from '../src/config/email.config';
import { messageIdOf } from './support/sender.fixture';
import { TestSmtpServer } from './support/test-smtp.server';

/**
 * The email app as it runs — consumer on two test topics, sender, SMTP —
 * against an SMTP server in the test process that can go away and come back
 * or refuse a recipient for good, with the app's dead-letter topic watched.
 */
const stack = loadStackConfig();
const brokers = [stack.kafka.bootstrap];

let db: { url: string; pool: Pool; drop(): Promise<void> };
let topics: Awaited<ReturnType<typeof createTestTopics>>;
let ordersTopic: string;
let paymentsTopic: string;
let publisher: EventPublisher;
let deadLetters: TopicTail;
let smtp: TestSmtpServer;
let app: INestApplication;
let baseUrl: string;

beforeAll(async () => {
  db = await freshDatabase('email_app_smtp_faults_test', 'email');
  topics = await createTestTopics(brokers, [
    { purpose: 'email-faults-orders-events', partitions: 3 },
    { purpose: 'email-faults-payments-events', partitions: 3 },
    { purpose: 'email-faults-dlq', partitions: 1 },
  ]);
  [ordersTopic, paymentsTopic] = topics.names as [string, string];
  smtp = await TestSmtpServer.start();
  const config = loadEmailConfig({
    PORT: '1',
    DATABASE_URL: db.url,
    KAFKA_BROKERS: stack.kafka.bootstrap,
    SMTP_URL: smtp.url,
    SMTP_TIMEOUT_MS: '1000',
    EMAIL_SEND_LEASE_MS: '10000',
    EMAIL_POLL_INTERVAL_MS: '100',
    EMAIL_RETRY_INITIAL_MS: '100',
    EMAIL_RETRY_MAX_MS: '1000',
    ORDERS_EVENTS_TOPIC: ordersTopic,
    PAYMENTS_EVENTS_TOPIC: paymentsTopic,
    EMAIL_DEAD_LETTER_TOPIC: topics.names[2],
    EMAIL_CONSUMER_GROUP: `test.email-faults-${randomUUID()}`,
  });
  ({ app, url: baseUrl } = await startServiceApp(AppModule.forConfig(config)));
  publisher = await EventPublisher.connect(brokers);
  deadLetters = await TopicTail.start(brokers, topics.names[2]!);
});
afterAll(async () => {
  await deadLetters?.stop();
  await publisher?.disconnect();
  await app?.close();
  await smtp?.stop();
  await db?.drop();
  await topics?.remove();
});

const sentEmails = async (orderId: string) => {
  const response = await fetch(`${baseUrl}/emails?orderId=${orderId}`);
  return ((await response.json()) as { emails: { eventId: string; kind: string }[] }).emails;
};
const statusOf = async (eventId: string) =>
  (
    await db.pool.query<{ status: string; last_error: string | null }>(
      'SELECT status, last_error FROM emails WHERE event_id = $1',
      [eventId],
    )
  ).rows[0];

describe('email app, when the SMTP server fails', () => {
  it('keeps the emails of events that arrive while SMTP is down, says it is blocked, and sends each once when it is back', async () => {
    const sender = app.get(EmailSender);
    const placed = Array.from({ length: 10 }, () => anOrderPlaced());
    const confirmed = placed.map((p) => anOrderConfirmed(p));
    const refunded = placed.map((p) => aPaymentRefunded(p));
    const events = [...placed, ...confirmed, ...refunded];
    await smtp.stop();

    await publisher.publish(ordersTopic, [...placed, ...confirmed]);
    await publisher.publish(paymentsTopic, refunded);

    await waitUntil('every email queued', async () => {
      const { rows } = await db.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM emails WHERE event_id = ANY($1)',
        [events.map((e) => e.eventId)],
      );
      return rows[0]!.n === events.length;
    });
    const blocked = await waitUntil(
      'the sender to say it is blocked',
      () => sender.status().blocked && sender.status(),
    );
    expect(blocked.reason).toMatch(/^SMTP: .*ECONNREFUSED/);
    expect(await sentEmails(placed[0]!.aggregateId)).toEqual([]);

    await smtp.start();

    await waitUntil('every email sent', async () =>
      (await Promise.all(placed.map((p) => sentEmails(p.aggregateId)))).every((e) => e.length === 3),
    );
    expect(events.map((e) => smtp.countOf(messageIdOf(e))).filter((n) => n !== 1)).toEqual([]);
    expect(sender.status()).toMatchObject({ blocked: false });
    expect(deadLetters.messages).toEqual([]);
  });

  it('rejects an email the server refuses for good (5xx): REJECTED with the reason, one dead letter, not listed as sent', async () => {
    const placed = anOrderPlaced({ customerEmail: 'gone@example.com' });
    smtp.answer = (address) =>
      address === 'gone@example.com' ? { code: 550, message: '5.1.1 user unknown' } : undefined;

    await publisher.publish(ordersTopic, [placed]);

    await waitUntil('the email to be rejected', async () => (await statusOf(placed.eventId))?.status === 'REJECTED');
    expect((await statusOf(placed.eventId))?.last_error).toMatch(/^SMTP_REJECTED: .*550 5\.1\.1 user unknown/);
    const letters = deadLetters.messages.filter((m) => m.headers[Headers.eventId] === placed.eventId);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      key: placed.aggregateId,
      headers: {
        [Headers.eventType]: 'OrderPlaced',
        [Headers.deadLetterCode]: 'SMTP_REJECTED',
        [Headers.deadLetterReason]: expect.stringMatching(/550 5\.1\.1 user unknown/),
        [Headers.deadLetterSourceTopic]: ordersTopic,
      },
    });
    expect(JSON.parse(letters[0]!.value!)).toMatchObject({ eventId: placed.eventId, type: 'OrderPlaced' });
    expect(await sentEmails(placed.aggregateId)).toEqual([]);
    expect(smtp.countOf(messageIdOf(placed))).toBe(0);
  });
});
