import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { type AnyEnvelope, parseEvent } from '@orderflow/events';
import { PollingOutboxRelay, createKafka } from '@orderflow/messaging';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { anEnvelope } from '../../../test/support/event.factory';
import { EventPublisher } from '../../../test/support/event.publisher';
import { startServiceApp } from '../../../test/support/service-app';
import { type FreshDatabase, freshDatabase } from '../../../test/support/test-database';
import { createTestTopics } from '../../../test/support/test-topics';
import { type TailedMessage, TopicTail } from '../../../test/support/topic.tail';
import { waitUntil } from '../../../test/support/wait-until';
import { AppModule } from '../src/app.module';
import { loadOrdersConfig } from '../src/config/orders.config';
import { loadOrderEvents } from '../src/persistence/order-event.store';

/**
 * The payment deadline in the orders app as it runs — HTTP, the sweep, both
 * consumers — against the real broker and a fresh database, with a 3 s
 * deadline. Debezium watches only the real databases, so a polling relay
 * carries this database's outbox to the app's own test orders topic, which
 * fills its read model (where the sweep looks). No payments service runs:
 * the test plays it, on the app's test payments topic. Nothing here touches a
 * real topic.
 */
const stack = loadStackConfig();
const brokers = [stack.kafka.bootstrap];
const deadlineMs = 3_000;

let db: FreshDatabase;
let topics: Awaited<ReturnType<typeof createTestTopics>>;
let app: INestApplication;
let baseUrl: string;
let relay: PollingOutboxRelay;
let ordersTail: TopicTail;
let payments: EventPublisher;
const paymentEventsGroup = `test.orders-payment-events-${randomUUID()}`;
const relayProducer = createKafka('test-orders-relay', brokers, { logLevel: 'nothing' }).safeProducer();

beforeAll(async () => {
  db = await freshDatabase('orders_payment_deadline_test', 'orders');
  topics = await createTestTopics(brokers, [
    { purpose: 'orders-events', partitions: 3 },
    { purpose: 'payments-events', partitions: 3 },
    { purpose: 'orders-dlq', partitions: 1 },
    { purpose: 'orders-state', partitions: 1 },
  ]);
  const [ordersEvents, paymentsEvents, deadLetters, state] = topics.names as [string, string, string, string];
  const config = loadOrdersConfig({
    PORT: '1', // unused: the test listens on a free port
    DATABASE_URL: db.url,
    KAFKA_BROKERS: stack.kafka.bootstrap,
    ORDERS_EVENTS_TOPIC: ordersEvents,
    PAYMENTS_EVENTS_TOPIC: paymentsEvents,
    ORDERS_DEAD_LETTER_TOPIC: deadLetters,
    ORDERS_STATE_TOPIC: state,
    ORDERS_READ_MODEL_CONSUMER_GROUP: `test.orders-read-model-${randomUUID()}`,
    ORDERS_PAYMENT_EVENTS_CONSUMER_GROUP: paymentEventsGroup,
    ORDERS_PAYMENT_DEADLINE: `${deadlineMs}ms`,
    ORDERS_PAYMENT_DEADLINE_SWEEP_MS: '250',
    // The relay deletes what it sent; the pruner would delete rows it has not sent yet.
    OUTBOX_PRUNE_INTERVAL_MS: '0',
  });
  ordersTail = await TopicTail.start(brokers, ordersEvents);
  await relayProducer.connect();
  relay = new PollingOutboxRelay(db.pool, relayProducer, { batchSize: 100, idleMs: 20, topicOf: () => ordersEvents });
  relay.start();
  ({ app, url: baseUrl } = await startServiceApp(AppModule.forConfig(config)));
  payments = await EventPublisher.connect(brokers);
});
afterAll(async () => {
  await app?.close();
  await relay?.stop();
  await relayProducer.disconnect();
  await payments?.disconnect();
  await ordersTail?.stop();
  await topics?.remove();
  await db?.drop();
});

interface OrderBody {
  id: string;
  status: string;
  totalCents: number;
  currency: string;
  cancellationReason?: string;
}
const placeOrder = async () => {
  const response = await fetch(`${baseUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      customerId: 'c-deadline',
      customerEmail: 'deadline@example.com',
      currency: 'EUR',
      items: [{ sku: 'BOOK-1', quantity: 1, unitPriceCents: 2500 }],
    }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as OrderBody;
};
const getOrder = async (id: string) => (await (await fetch(`${baseUrl}/orders/${id}`)).json()) as OrderBody;
const orderReaches = (id: string, status: string) =>
  waitUntil(
    `order ${id} ${status}`,
    async () => {
      const order = await getOrder(id);
      return order.status === status && order;
    },
    // Consumer groups join, then a sweep comes by after the deadline.
    30_000,
  );
const storedEvents = (id: string) => loadOrderEvents(db.pool, id);
/** What the payments service would publish for the order. */
const paymentAuthorized = (order: OrderBody): AnyEnvelope =>
  anEnvelope(
    'PaymentAuthorized',
    1,
    'payments',
    { amountCents: order.totalCents, currency: order.currency, authorizationId: `auth-${order.id}` },
    { aggregateId: order.id, correlationId: order.id, occurredAt: new Date().toISOString() },
  );
const handledByTheApp = (event: AnyEnvelope) =>
  waitUntil(`${event.type} ${event.eventId} handled`, async () => {
    const { rowCount } = await db.pool.query(
      'SELECT 1 FROM processed_events WHERE consumer_group = $1 AND event_id = $2',
      [paymentEventsGroup, event.eventId],
    );
    return rowCount === 1;
  });

describe('the payment deadline', () => {
  let unpaid: OrderBody;

  it('cancels an order whose payment never came, with cause PAYMENT_TIMEOUT, once its deadline passed', async () => {
    unpaid = await placeOrder();
    expect(unpaid.status).toBe('PENDING_PAYMENT');

    const cancelled = await orderReaches(unpaid.id, 'CANCELLED');

    expect(cancelled.cancellationReason).toBe('payment not received within 3 s');
    const [placed, cancellation, ...more] = await storedEvents(unpaid.id);
    expect(more).toEqual([]);
    expect(placed?.type).toBe('OrderPlaced');
    expect(cancellation).toMatchObject({
      type: 'OrderCancelled',
      payload: { cause: 'PAYMENT_TIMEOUT', reason: 'payment not received within 3 s', wasPaid: false },
    });
    // Not before its time.
    expect(Date.parse(cancellation!.occurredAt) - Date.parse(placed!.occurredAt)).toBeGreaterThanOrEqual(deadlineMs);
    // And published on the orders topic, where payments (a refund if it did authorize) and email read it.
    const ofOrder = (messages: TailedMessage[]) =>
      messages.filter((m) => m.key === unpaid.id).map((m) => parseEvent(JSON.parse(m.value ?? 'null')));
    const messages = await ordersTail.waitFor('its two events on the orders topic', (ms) => ofOrder(ms).length >= 2);
    const onTopic = ofOrder(messages);
    expect(onTopic.map((e) => e.type)).toEqual(['OrderPlaced', 'OrderCancelled']);
    expect(onTopic[1]?.payload).toMatchObject({ cause: 'PAYMENT_TIMEOUT', wasPaid: false });
  });

  it('confirms nothing when the payment is authorized after the deadline (payments refunds it on the cancellation)', async () => {
    const late = paymentAuthorized(unpaid);

    await payments.publish(topics.names[1]!, [late]);
    await handledByTheApp(late);

    expect((await storedEvents(unpaid.id)).map((e) => e.type)).toEqual(['OrderPlaced', 'OrderCancelled']);
    expect((await getOrder(unpaid.id)).status).toBe('CANCELLED');
  });

  it('leaves an order alone whose payment came in time', async () => {
    const paid = await placeOrder();
    await payments.publish(topics.names[1]!, [paymentAuthorized(paid)]);
    await orderReaches(paid.id, 'CONFIRMED');

    // An order placed after it times out: a sweep has come by after the paid order's deadline too.
    const later = await placeOrder();
    await orderReaches(later.id, 'CANCELLED');

    expect((await storedEvents(paid.id)).map((e) => e.type)).toEqual(['OrderPlaced', 'OrderConfirmed']);
    expect((await getOrder(paid.id)).status).toBe('CONFIRMED');
  });
});
