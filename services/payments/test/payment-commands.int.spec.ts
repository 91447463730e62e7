import { randomUUID } from 'node:crypto';
import { type AnyEnvelope, OrderCancelledV1, OrderPlacedV1, parseEvent } from '@orderflow/events';
import { inTransaction, isTransient } from '@orderflow/messaging';
import type { Pool } from 'pg';
import { anOrderPlaced } from '../../../test/support/event.factory';
import { anOrderCancelled } from '../../../test/support/follow-up-events.factory';
import { freshDatabase } from '../../../test/support/test-database';
import { type Clock, randomIds } from '@orderflow/platform';
import { PaymentCommands } from '../src/application/payment.commands';
import { PaymentError } from '../src/domain/payment.decide';
import { GatewayUnavailableError } from '../src/gateway/payment-gateway.port';
import { type SimulatedGatewayOptions, SimulatedPaymentGateway } from '../src/gateway/simulated.payment-gateway';

/**
 * The application layer against a real, freshly migrated payments database:
 * each handler runs in a transaction like the consumer's, the simulated
 * gateway writes on its own connections. No Kafka here (see
 * payments-app.int.spec.ts for the consumer wiring).
 */
let db: { url: string; pool: Pool };
let commands: PaymentCommands;
beforeAll(async () => {
  db = await freshDatabase('payments_commands_test', 'payments');
  commands = commandsWith();
});
afterAll(async () => {
  await db.pool.end();
});

const now = new Date('2026-11-24T10:00:00.000Z');
const clock: Clock = { now: () => now };
const healthy: SimulatedGatewayOptions = { limitCents: 100_000, latencyMs: 0, failureRate: 0 };
const commandsWith = (options: Partial<SimulatedGatewayOptions> = {}) =>
  new PaymentCommands(new SimulatedPaymentGateway(db.pool, { ...healthy, ...options }), clock, randomIds);

const placed = (totalCents = 2500) =>
  OrderPlacedV1.parse(
    anOrderPlaced({ totalCents, items: [{ sku: 'BOOK-1', quantity: 1, unitPriceCents: totalCents }] }),
  );
const cancelled = (order: AnyEnvelope) => OrderCancelledV1.parse(anOrderCancelled(order));

const authorizeOrder = (event: OrderPlacedV1, using = commands) =>
  inTransaction(db.pool, (tx) => using.authorizeOrder(tx, event));
const refundCancelledOrder = (event: OrderCancelledV1, using = commands) =>
  inTransaction(db.pool, (tx) => using.refundCancelledOrder(tx, event));

const paymentOf = async (orderId: string) =>
  (await db.pool.query('SELECT * FROM payments WHERE order_id = $1', [orderId])).rows[0];
const chargesOf = async (orderId: string) =>
  (await db.pool.query('SELECT * FROM gateway_charges WHERE idempotency_key = $1', [orderId])).rows;
const outboxOf = async (orderId: string) =>
  (
    await db.pool.query<{ payload: unknown }>(
      'SELECT payload FROM outbox WHERE aggregateid = $1 ORDER BY aggregateversion',
      [orderId],
    )
  ).rows.map((r) => parseEvent(r.payload));

describe('payments: OrderPlaced', () => {
  it('authorizes a total under the limit and announces it through the outbox', async () => {
    const order = placed(2500);

    await authorizeOrder(order);

    const [charge] = await chargesOf(order.aggregateId);
    expect(await paymentOf(order.aggregateId)).toMatchObject({
      status: 'AUTHORIZED',
      amount_cents: '2500',
      currency: 'EUR',
      authorization_id: charge.authorization_id,
      version: 1,
      updated_at: now,
    });
    expect(await outboxOf(order.aggregateId)).toEqual([
      {
        eventId: expect.any(String),
        type: 'PaymentAuthorized',
        schemaVersion: 1,
        aggregateType: 'payments',
        aggregateId: order.aggregateId,
        aggregateVersion: 1,
        occurredAt: now.toISOString(),
        correlationId: order.correlationId,
        causationId: order.eventId,
        payload: { amountCents: 2500, currency: 'EUR', authorizationId: charge.authorization_id },
      },
    ]);
  });

  it('authorizes a total of exactly the limit', async () => {
    const order = placed(100_000);

    await authorizeOrder(order);

    expect((await paymentOf(order.aggregateId)).status).toBe('AUTHORIZED');
  });

  it('declines a total over the limit with LIMIT_EXCEEDED and says why', async () => {
    const order = placed(100_001);

    await authorizeOrder(order);

    expect(await paymentOf(order.aggregateId)).toMatchObject({
      status: 'DECLINED',
      decline_code: 'LIMIT_EXCEEDED',
      reason: expect.stringContaining('exceeds the limit of 100000'),
    });
    const [declined] = await outboxOf(order.aggregateId);
    expect(declined).toMatchObject({
      type: 'PaymentDeclined',
      schemaVersion: 2,
      aggregateVersion: 1,
      causationId: order.eventId,
      payload: { amountCents: 100_001, currency: 'EUR', code: 'LIMIT_EXCEEDED' },
    });
  });

  it('charges once when the same OrderPlaced is handled again after its transaction rolled back', async () => {
    const order = placed();

    await expect(
      inTransaction(db.pool, async (tx) => {
        await commands.authorizeOrder(tx, order);
        throw new Error('crash before the commit');
      }),
    ).rejects.toThrow('crash before the commit');
    await authorizeOrder(order);

    const charges = await chargesOf(order.aggregateId);
    expect(charges).toHaveLength(1);
    expect((await paymentOf(order.aggregateId)).authorization_id).toBe(charges[0].authorization_id);
    expect(await outboxOf(order.aggregateId)).toHaveLength(1);
  });

  it('refuses a second OrderPlaced for an order whose payment is decided, and charges nothing more', async () => {
    const order = placed();
    await authorizeOrder(order);

    const again = authorizeOrder({ ...order, eventId: randomUUID() });

    await expect(again).rejects.toThrow(PaymentError);
    await expect(again).rejects.toMatchObject({ code: 'PAYMENT_ALREADY_DECIDED' });
    expect(await chargesOf(order.aggregateId)).toHaveLength(1);
    expect(await outboxOf(order.aggregateId)).toHaveLength(1);
  });

  it('fails transiently and leaves no payment when the gateway answer is lost; the retry charges once', async () => {
    const order = placed();
    const flaky = commandsWith({ failureRate: 1 });

    const attempt = authorizeOrder(order, flaky);

    await expect(attempt).rejects.toThrow(GatewayUnavailableError);
    expect(isTransient(await attempt.catch((e: unknown) => e))).toBe(true);
    expect(await paymentOf(order.aggregateId)).toBeUndefined();
    expect(await outboxOf(order.aggregateId)).toEqual([]);

    await authorizeOrder(order);
    expect((await paymentOf(order.aggregateId)).status).toBe('AUTHORIZED');
    expect(await chargesOf(order.aggregateId)).toHaveLength(1);
  });
});

describe('payments: OrderCancelled', () => {
  it('refunds an authorized payment and announces it as the second event of its stream', async () => {
    const order = placed(4200);
    await authorizeOrder(order);
    const cancel = cancelled(order);

    await refundCancelledOrder(cancel);

    expect(await paymentOf(order.aggregateId)).toMatchObject({
      status: 'REFUNDED',
      reason: 'order cancelled: changed my mind',
      version: 2,
    });
    const [charge] = await chargesOf(order.aggregateId);
    expect(charge.refund_id).toEqual(expect.stringMatching(/^refund_/));
    const events = await outboxOf(order.aggregateId);
    expect(events.map((e) => e.type)).toEqual(['PaymentAuthorized', 'PaymentRefunded']);
    expect(events[1]).toMatchObject({
      aggregateVersion: 2,
      causationId: cancel.eventId,
      correlationId: order.correlationId,
      payload: { amountCents: 4200, currency: 'EUR', reason: 'order cancelled: changed my mind' },
    });
  });

  it('refunds once when the refund is handled again after its transaction rolled back', async () => {
    const order = placed();
    await authorizeOrder(order);
    const cancel = cancelled(order);

    await expect(
      inTransaction(db.pool, async (tx) => {
        await commands.refundCancelledOrder(tx, cancel);
        throw new Error('crash before the commit');
      }),
    ).rejects.toThrow('crash before the commit');
    const [firstRefund] = await chargesOf(order.aggregateId);
    await refundCancelledOrder(cancel);

    const [charge] = await chargesOf(order.aggregateId);
    expect(charge.refund_id).toBe(firstRefund.refund_id);
    expect((await outboxOf(order.aggregateId)).map((e) => e.type)).toEqual(['PaymentAuthorized', 'PaymentRefunded']);
  });

  it('does nothing for a declined payment', async () => {
    const order = placed(250_000);
    await authorizeOrder(order);

    await refundCancelledOrder(cancelled(order));

    expect((await paymentOf(order.aggregateId)).status).toBe('DECLINED');
    expect((await outboxOf(order.aggregateId)).map((e) => e.type)).toEqual(['PaymentDeclined']);
  });

  it('does nothing for an order it has no payment for', async () => {
    const order = placed();

    await refundCancelledOrder(cancelled(order));

    expect(await paymentOf(order.aggregateId)).toBeUndefined();
    expect(await outboxOf(order.aggregateId)).toEqual([]);
  });
});
