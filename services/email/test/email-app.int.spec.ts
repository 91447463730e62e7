import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { Pool } from 'pg';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { anEnvelope, anOrderPlaced } from '../../../test/support/event.factory';
import { EventPublisher } from '../../../test/support/event.publisher';
import { aPaymentRefunded, anOrderCancelled } from '../../../test/support/follow-up-events.factory';
import { emailsWithMessageId } from '../../../test/support/maildev';
import { freshDatabase } from '../../../test/support/test-database';
import { createTestTopics } from '../../../test/support/test-topics';
import { waitUntil } from '../../../test/support/wait-until';
import { startServiceApp } from '../../../test/support/service-app';
import { TopicTail } from '../../../test/support/topic.tail';
import { AppModule } from '../src/app.module';
import { loadEmailConfig } from '../src/config/email.config';

/**
 * The email app as it runs — module, consumer on two topics, handlers,
 * templates, SMTP, HTTP — against the real broker, MailDev and a fresh
 * database. Its consumer reads test topics (the config's topic names), never
 * the real orders.events and payments.events.
 */
const stack = loadStackConfig();
const brokers = [stack.kafka.bootstrap];

let db: { url: string; pool: Pool };
let topics: Awaited<ReturnType<typeof createTestTopics>>;
let ordersTopic: string;
let paymentsTopic: string;
let publisher: EventPublisher;
let app: INestApplication;
let baseUrl: string;
let deadLetters: TopicTail;

beforeAll(async () => {
  db = await freshDatabase('email_app_test', 'email');
  topics = await createTestTopics(brokers, [
    { purpose: 'email-orders-events', partitions: 3 },
    { purpose: 'email-payments-events', partitions: 3 },
    { purpose: 'email-dlq', partitions: 1 },
  ]);
  [ordersTopic, paymentsTopic] = topics.names as [string, string];
  const config = loadEmailConfig({
    PORT: '1', // unused: the test listens on a free port
    DATABASE_URL: db.url,
    KAFKA_BROKERS: stack.kafka.bootstrap,
    SMTP_URL: stack.smtp.url,
    ORDERS_EVENTS_TOPIC: ordersTopic,
    PAYMENTS_EVENTS_TOPIC: paymentsTopic,
    EMAIL_DEAD_LETTER_TOPIC: topics.names[2],
    EMAIL_CONSUMER_GROUP: `test.email-${randomUUID()}`,
  });
  ({ app, url: baseUrl } = await startServiceApp(AppModule.forConfig(config)));
  publisher = await EventPublisher.connect(brokers);
  deadLetters = await TopicTail.start(brokers, topics.names[2]!);
});
afterAll(async () => {
  await deadLetters?.stop();
  await publisher?.disconnect();
  await app?.close();
  await db?.pool.end();
  await topics?.remove();
});

const listEmails = async (query: string) => {
  const response = await fetch(`${baseUrl}/emails${query}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const emailsOf = (orderId: string, count: number) =>
  waitUntil(`${count} emails for order ${orderId}`, async () => {
    const { body } = await listEmails(`?orderId=${orderId}`);
    const emails = body.emails as { kind: string; messageId: string; eventId: string }[];
    return emails.length >= count && emails;
  });

describe('email app', () => {
  it('emails the customer once per customer-facing event of both topics, and lists what it sent', async () => {
    const placed = anOrderPlaced({ customerEmail: 'linus@example.com' });
    const cancelled = anOrderCancelled(placed, { reason: 'changed my mind', wasPaid: true });
    const authorized = anEnvelope(
      'PaymentAuthorized',
      1,
      'payments',
      { amountCents: 2500, currency: 'EUR', authorizationId: 'auth-1' },
      { aggregateId: placed.aggregateId, correlationId: placed.correlationId },
    );
    const refunded = aPaymentRefunded(cancelled, { amountCents: 2500, currency: 'EUR' });

    await publisher.publish(ordersTopic, [placed, cancelled]);
    await publisher.publish(paymentsTopic, [authorized, refunded]);

    const emails = await emailsOf(placed.aggregateId, 3);
    expect(emails.map((e) => e.kind).sort()).toEqual(['ORDER_CANCELLED', 'ORDER_RECEIVED', 'REFUND_ISSUED']);
    for (const event of [placed, cancelled, refunded]) {
      const [received] = await emailsWithMessageId(`<${event.eventId}@orderflow.local>`);
      expect(received?.to.map((t) => t.address)).toEqual(['linus@example.com']);
    }
    const [cancellation] = await emailsWithMessageId(`<${cancelled.eventId}@orderflow.local>`);
    expect(cancellation?.text).toContain('Reason: changed my mind');
  });

  it('sends one email, and records it once, when the same event is delivered twice', async () => {
    const placed = anOrderPlaced();
    const later = anOrderPlaced(); // handled after the duplicate on the same partition: proof the duplicate was seen

    await publisher.publish(ordersTopic, [placed, { ...placed }, { ...later, aggregateId: placed.aggregateId }]);

    await emailsOf(placed.aggregateId, 2);
    expect(await emailsWithMessageId(`<${placed.eventId}@orderflow.local>`)).toHaveLength(1);
    const { rows } = await db.pool.query('SELECT event_id FROM emails WHERE order_id = $1', [placed.aggregateId]);
    expect(rows.map((r) => r.event_id).sort()).toEqual([placed.eventId, later.eventId].sort());
  });

  it("sends a refund whose PaymentRefunded overtook the order's OrderPlaced once the OrderPlaced arrives, dead-lettering nothing", async () => {
    const placed = anOrderPlaced({ customerEmail: 'barbara@example.com' });
    const refunded = aPaymentRefunded(placed, { amountCents: 2500, currency: 'EUR' });

    await publisher.publish(paymentsTopic, [refunded]);

    const waiting = await waitUntil('the refund email to be queued', async () => {
      const { rows } = await db.pool.query('SELECT status, recipient FROM emails WHERE event_id = $1', [
        refunded.eventId,
      ]);
      return rows[0];
    });
    expect(waiting).toEqual({ status: 'QUEUED', recipient: null });
    expect((await listEmails(`?orderId=${placed.aggregateId}`)).body.emails).toEqual([]);

    await publisher.publish(ordersTopic, [placed]);

    const emails = await emailsOf(placed.aggregateId, 2);
    expect(emails.map((e) => e.kind)).toEqual(['ORDER_RECEIVED', 'REFUND_ISSUED']);
    const [refundEmail, ...copies] = await emailsWithMessageId(`<${refunded.eventId}@orderflow.local>`);
    expect(copies).toEqual([]);
    expect(refundEmail?.to.map((t) => t.address)).toEqual(['barbara@example.com']);
    expect(refundEmail?.text).toContain('We refunded €25.00');
    expect(deadLetters.messages).toEqual([]);
  });

  it('answers 400 naming the field when orderId is missing or not a UUID', async () => {
    const missing = await listEmails('');
    const malformed = await listEmails('?orderId=42');

    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe('orderId: is required');
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toBe('orderId: must be a UUID');
  });

  it('lists nothing for an order it sent nothing about', async () => {
    const orderId = randomUUID();

    expect(await listEmails(`?orderId=${orderId}`)).toEqual({ status: 200, body: { orderId, emails: [] } });
  });
});
