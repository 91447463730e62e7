import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Headers } from '@orderflow/events';
import type { Pool } from 'pg';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { anOrderPlaced } from '../../../test/support/event.factory';
import { EventPublisher } from '../../../test/support/event.publisher';
import { anOrderCancelled } from '../../../test/support/follow-up-events.factory';
import { freshDatabase } from '../../../test/support/test-database';
import { createTestTopics } from '../../../test/support/test-topics';
import { TopicTail } from '../../../test/support/topic.tail';
import { waitUntil } from '../../../test/support/wait-until';
import { startServiceApp } from '../../../test/support/service-app';
import { AppModule } from '../src/app.module';
import { loadPaymentsConfig } from '../src/config/payments.config';

/**
 * The payments app as it runs — module, consumer, handlers, HTTP, exception
 * filter — against the real broker and a fresh database. Its consumer reads
 * test topics (the config's topic names), never the real orders.events.
 */
const stack = loadStackConfig();
const brokers = [stack.kafka.bootstrap];

let db: { url: string; pool: Pool };
let topics: Awaited<ReturnType<typeof createTestTopics>>;
let publisher: EventPublisher;
let app: INestApplication;
let baseUrl: string;

beforeAll(async () => {
  db = await freshDatabase('payments_app_test', 'payments');
  topics = await createTestTopics(brokers, [
    { purpose: 'payments-orders-events', partitions: 3 },
    { purpose: 'payments-dlq', partitions: 1 },
  ]);
  const config = loadPaymentsConfig({
    PORT: '1', // unused: the test listens on a free port
    DATABASE_URL: db.url,
    KAFKA_BROKERS: stack.kafka.bootstrap,
    ORDERS_EVENTS_TOPIC: topics.names[0],
    PAYMENTS_DEAD_LETTER_TOPIC: topics.names[1],
    PAYMENTS_CONSUMER_GROUP: `test.payments-${randomUUID()}`,
  });
  ({ app, url: baseUrl } = await startServiceApp(AppModule.forConfig(config)));
  publisher = await EventPublisher.connect(brokers);
});
afterAll(async () => {
  await publisher?.disconnect();
  await app?.close();
  await db?.pool.end();
  await topics?.remove();
});

const getPayment = async (orderId: string) => {
  const response = await fetch(`${baseUrl}/payments/${orderId}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const paymentReaches = (orderId: string, status: string) =>
  waitUntil(`payment of ${orderId} ${status}`, async () => {
    const { body } = await getPayment(orderId);
    return body.status === status && body;
  });

describe('payments app', () => {
  it('authorizes an order placed on its orders topic and shows it at GET /payments/:orderId', async () => {
    const order = anOrderPlaced({ totalCents: 2500, currency: 'EUR' });

    await publisher.publish(topics.names[0]!, [order]);

    const payment = await paymentReaches(order.aggregateId, 'AUTHORIZED');
    expect(payment).toEqual({
      orderId: order.aggregateId,
      status: 'AUTHORIZED',
      amountCents: 2500,
      currency: 'EUR',
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('declines an order over the limit and gives the reason', async () => {
    const order = anOrderPlaced({
      totalCents: 150_000,
      items: [{ sku: 'PIANO', quantity: 1, unitPriceCents: 150_000 }],
    });

    await publisher.publish(topics.names[0]!, [order]);

    const payment = await paymentReaches(order.aggregateId, 'DECLINED');
    expect(payment.reason).toEqual(expect.stringContaining('exceeds the limit'));
  });

  it('refunds when the order is cancelled after the authorization', async () => {
    const order = anOrderPlaced();

    await publisher.publish(topics.names[0]!, [order, anOrderCancelled(order)]);

    const payment = await paymentReaches(order.aggregateId, 'REFUNDED');
    expect(payment).toMatchObject({ amountCents: 2500, reason: 'order cancelled: changed my mind' });
    const { rows } = await db.pool.query('SELECT type FROM outbox WHERE aggregateid = $1 ORDER BY aggregateversion', [
      order.aggregateId,
    ]);
    expect(rows.map((r) => r.type)).toEqual(['PaymentAuthorized', 'PaymentRefunded']);
  });

  it('refunds a payment it authorized for an order the orders service had already cancelled for a payment timeout', async () => {
    // The orders service gave up on the payment (wasPaid: false); payments, behind, authorizes on OrderPlaced first.
    const order = anOrderPlaced();
    const timedOut = anOrderCancelled(order, {
      cause: 'PAYMENT_TIMEOUT',
      reason: 'payment not received within 15 min',
      wasPaid: false,
    });

    await publisher.publish(topics.names[0]!, [order, timedOut]);

    const payment = await paymentReaches(order.aggregateId, 'REFUNDED');
    expect(payment).toMatchObject({ amountCents: 2500, reason: 'order cancelled: payment not received within 15 min' });
  });

  it("dead-letters what is not an event onto the service's dead-letter topic", async () => {
    const dlq = await TopicTail.start(brokers, topics.names[1]!);
    try {
      await publisher.publishRaw(topics.names[0]!, 'poison', '{not json');

      const [letter] = await dlq.waitFor('the dead letter', (ms) => ms.length === 1);
      expect(letter?.headers[Headers.deadLetterReason]).toMatch(/^MALFORMED_JSON/);
    } finally {
      await dlq.stop();
    }
  });

  it('answers 404 with a message for an order it has no payment for', async () => {
    const orderId = randomUUID();

    const { status, body } = await getPayment(orderId);

    expect(status).toBe(404);
    expect(body).toMatchObject({ code: 'PAYMENT_NOT_FOUND', message: `there is no payment for order ${orderId}` });
  });

  it('answers 400 naming the field when the order id is not a UUID', async () => {
    const { status, body } = await getPayment('not-a-uuid');

    expect(status).toBe(400);
    expect(body.message).toBe('orderId: must be a UUID');
  });
});
