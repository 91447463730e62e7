import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { Headers, Topics } from '@orderflow/events';
import { createKafka } from '@orderflow/messaging';
import { loadStackConfig } from '../../infra/src/config/stack.config';
import { anOrderRequest, inParallel, orderRequest, postOrder } from '../support/orders.client';
import { waitUntil } from '../support/wait-until';

/**
 * The order saga across the three services, through topics only:
 *   placed → payment authorized → confirmed → shipped
 *   placed → declined → cancelled
 *   confirmed → cancelled by the customer → refunded
 * Emails are read back from the real SMTP server (MailDev's API).
 */
const config = loadStackConfig();
const LIMIT_CENTS = 100_000; // the payments service's default PAYMENT_LIMIT_CENTS

interface Received {
  subject: string;
  to: { address: string }[];
  headers: Record<string, string>;
}
interface SentEmail {
  kind: string;
  to: string;
  messageId: string;
}

const inbox = async (): Promise<Received[]> => {
  const response = await fetch(`${config.smtp.uiUrl}/api/email`);
  return (await response.json()) as Received[];
};
const receivedBy = (all: Received[], address: string) =>
  all.filter((e) => e.to.some((t) => t.address.toLowerCase() === address.toLowerCase()));
const sentFor = async (orderId: string): Promise<SentEmail[]> => {
  const response = await fetch(`${config.services.email.url}/emails?orderId=${orderId}`);
  return ((await response.json()) as { emails: SentEmail[] }).emails;
};
const payment = async (orderId: string) => {
  const response = await fetch(`${config.services.payments.url}/payments/${orderId}`);
  return {
    status: response.status,
    body: (await response.json()) as { status?: string; reason?: string; amountCents?: number },
  };
};
const orderStatus = async (orderId: string) =>
  (await orderRequest('GET', `/orders/${orderId}`)).body as { status: string; cancellationReason?: string };
/** The simulated provider's records in the payments database: one row per charge made. */
const paymentsDb = new Pool({ connectionString: config.postgres.databases.payments.url, max: 2 });
afterAll(() => paymentsDb.end());
const chargesOf = async (orderIds: string[]) => {
  const { rows } = await paymentsDb.query<{ key: string; n: number }>(
    `SELECT idempotency_key AS key, count(*)::int AS n FROM gateway_charges
     WHERE idempotency_key = ANY($1) AND outcome = 'AUTHORIZED' GROUP BY 1`,
    [orderIds],
  );
  return rows;
};
const customer = () => `saga-${randomUUID()}@example.com`;
const place = async (email: string, unitPriceCents: number) => {
  const { status, body } = await postOrder(
    anOrderRequest({ customerEmail: email, items: [{ sku: 'SAGA-1', quantity: 1, unitPriceCents }] }),
  );
  expect(status).toBe(201);
  return body.id;
};
/**
 * Generous deadlines: other suites (replay places 1,000 orders) can leave the
 * email service a backlog of thousands of emails, and one order's emails wait
 * behind those on its partition. Conditions are polled, so a pass stays fast.
 */
const SAGA_DEADLINE_MS = 120_000;
jest.setTimeout(300_000);

const untilStatus = (orderId: string, status: string) =>
  waitUntil(
    `order ${orderId} to be ${status}`,
    async () => (await orderStatus(orderId)).status === status,
    SAGA_DEADLINE_MS,
    100,
  );
const untilEmails = (orderId: string, kinds: string[]) =>
  waitUntil(
    `emails ${kinds.join(', ')} for order ${orderId}`,
    async () => {
      const sent = await sentFor(orderId);
      return sent.length >= kinds.length && sent;
    },
    SAGA_DEADLINE_MS,
    100,
  );

describe('order saga', () => {
  it('happy path: placed, confirmed, shipped; received, confirmed and shipped emails; payment AUTHORIZED', async () => {
    const email = customer();
    const orderId = await place(email, 2_500);

    await untilStatus(orderId, 'CONFIRMED');
    expect((await orderRequest('POST', `/orders/${orderId}/ship`)).status).toBe(200);
    await untilStatus(orderId, 'SHIPPED');

    const sent = await untilEmails(orderId, ['ORDER_RECEIVED', 'ORDER_CONFIRMED', 'ORDER_SHIPPED']);
    expect(sent.map((e) => e.kind).sort()).toEqual(['ORDER_CONFIRMED', 'ORDER_RECEIVED', 'ORDER_SHIPPED']);
    const received = await waitUntil('three emails in the inbox', async () => {
      const mine = receivedBy(await inbox(), email);
      return mine.length >= 3 && mine;
    });
    expect(received).toHaveLength(3);
    expect(await payment(orderId)).toMatchObject({ status: 200, body: { status: 'AUTHORIZED', amountCents: 2_500 } });
  });

  it('over the limit: DECLINED, order CANCELLED with the reason, a cancellation email, no charge', async () => {
    const email = customer();
    const orderId = await place(email, LIMIT_CENTS + 1);

    await untilStatus(orderId, 'CANCELLED');
    const order = await orderStatus(orderId);
    expect(order.cancellationReason).toMatch(/declined/i);
    expect((await payment(orderId)).body).toMatchObject({ status: 'DECLINED' });
    expect(await chargesOf([orderId])).toEqual([]);

    const sent = await untilEmails(orderId, ['ORDER_RECEIVED', 'ORDER_CANCELLED']);
    expect(sent.map((e) => e.kind).sort()).toEqual(['ORDER_CANCELLED', 'ORDER_RECEIVED']);
    const cancellation = await waitUntil('the cancellation email', async () =>
      receivedBy(await inbox(), email).find(
        (e) => e.headers['message-id'] === sent.find((s) => s.kind === 'ORDER_CANCELLED')?.messageId,
      ),
    );
    expect(cancellation).toBeDefined();
  });

  it('cancel after payment: order CANCELLED, payment REFUNDED, refund email', async () => {
    const email = customer();
    const orderId = await place(email, 4_200);
    await untilStatus(orderId, 'CONFIRMED');

    expect((await orderRequest('POST', `/orders/${orderId}/cancel`)).status).toBe(200);

    await waitUntil(
      'the refund',
      async () => (await payment(orderId)).body.status === 'REFUNDED',
      SAGA_DEADLINE_MS,
      100,
    );
    const sent = await untilEmails(orderId, ['ORDER_RECEIVED', 'ORDER_CONFIRMED', 'ORDER_CANCELLED', 'REFUND_ISSUED']);
    expect(sent.map((e) => e.kind).sort()).toEqual([
      'ORDER_CANCELLED',
      'ORDER_CONFIRMED',
      'ORDER_RECEIVED',
      'REFUND_ISSUED',
    ]);
  });

  it('500 concurrent orders with mixed totals all reach a terminal state, one charge each, no duplicate email', async () => {
    const orders = await inParallel(
      Array.from({ length: 500 }, (_, i) => i),
      50,
      async (i) => {
        const email = customer();
        const over = i % 4 === 0;
        return { email, over, id: await place(email, over ? LIMIT_CENTS + 100 * i + 1 : 100 + i) };
      },
    );

    const statuses = await waitUntil(
      'every order confirmed or cancelled',
      async () => {
        const all = await inParallel(orders, 25, async (o) => (await orderStatus(o.id)).status);
        return all.every((s) => s === 'CONFIRMED' || s === 'CANCELLED') && all;
      },
      120_000,
      500,
    );
    const payments = await inParallel(orders, 25, async (o) => (await payment(o.id)).body.status);
    const confirmed = statuses.filter((s) => s === 'CONFIRMED').length;
    expect(payments.filter((s) => s === 'AUTHORIZED').length).toBe(confirmed);
    expect(confirmed).toBe(orders.filter((o) => !o.over).length);
    const charges = await chargesOf(orders.map((o) => o.id));
    expect(charges.length).toBe(confirmed);
    expect(charges.filter((c) => c.n !== 1)).toEqual([]);

    // Every order got its received email and one confirmation or cancellation email, each exactly once.
    await waitUntil(
      'two emails per order',
      async () => (await inParallel(orders, 25, async (o) => (await sentFor(o.id)).length)).every((n) => n >= 2),
      120_000,
      500,
    );
    const all = await inbox();
    const duplicates = orders.filter((o) => {
      const ids = receivedBy(all, o.email).map((e) => e.headers['message-id']);
      return new Set(ids).size !== ids.length || ids.length !== 2;
    });
    expect(duplicates.map((o) => o.id)).toEqual([]);
  }, 300_000);

  it('an OrderPlaced re-published 5 times onto orders.events makes one payment and one email', async () => {
    const email = customer();
    const orderId = await place(email, 1_500);
    await untilEmails(orderId, ['ORDER_RECEIVED', 'ORDER_CONFIRMED']);
    const [placed] = (await orderRequest('GET', `/orders/${orderId}/events`)).body as unknown as {
      eventId: string;
      type: string;
    }[];
    expect(placed?.type).toBe('OrderPlaced');

    const producer = createKafka('e2e-republish', [config.kafka.bootstrap], { logLevel: 'nothing' }).safeProducer();
    await producer.connect();
    await producer.send(
      Topics.ordersEvents,
      Array.from({ length: 5 }, () => ({
        key: orderId,
        value: JSON.stringify(placed),
        headers: { [Headers.eventId]: placed!.eventId, [Headers.eventType]: 'OrderPlaced' },
      })),
    );
    // Something after the copies, on the same partition: once its effect shows, the copies were handled.
    expect((await orderRequest('POST', `/orders/${orderId}/ship`)).status).toBe(200);
    await untilEmails(orderId, ['ORDER_RECEIVED', 'ORDER_CONFIRMED', 'ORDER_SHIPPED']);
    await producer.disconnect();

    const sent = await sentFor(orderId);
    expect(sent.filter((e) => e.kind === 'ORDER_RECEIVED')).toHaveLength(1);
    expect((await payment(orderId)).body).toMatchObject({ status: 'AUTHORIZED', amountCents: 1_500 });
    expect(await chargesOf([orderId])).toEqual([{ key: orderId, n: 1 }]);
    const received = receivedBy(await inbox(), email);
    expect(
      received.filter((e) => e.headers['message-id'] === sent.find((s) => s.kind === 'ORDER_RECEIVED')?.messageId),
    ).toHaveLength(1);
  });
});
