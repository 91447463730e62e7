import type { Pool } from 'pg';
import { freshDatabase } from '../../../test/support/test-database';
import { randomIds, systemClock } from '@orderflow/platform';
import { OrderCommands } from '../src/application/order.commands';
import { PlaceOrderHandler } from '../src/application/place-order';
import { OrderError } from '../src/domain/order.errors';
import { ConcurrencyConflict, appendOrderEvents, loadOrderEvents } from '../src/persistence/order-event.store';

/** The orders write path against a real database (a throw-away one, migrated like the service's). */
let db: { url: string; pool: Pool };
let commands: OrderCommands;
let placeOrder: PlaceOrderHandler;

beforeAll(async () => {
  db = await freshDatabase('orders_commands_test', 'orders');
  commands = new OrderCommands(db.pool, systemClock, randomIds);
  placeOrder = new PlaceOrderHandler(db.pool, randomIds, commands);
});
afterAll(() => db.pool.end());

const request = {
  customerId: 'c-42',
  customerEmail: 'grace@example.com',
  currency: 'EUR',
  items: [{ sku: 'TEA-1', quantity: 3, unitPriceCents: 450 }],
};
const versionsOf = async (orderId: string) => (await loadOrderEvents(db.pool, orderId)).map((e) => e.aggregateVersion);
const outboxRows = async (orderId: string) =>
  (await db.pool.query('SELECT type FROM outbox WHERE aggregateid = $1 ORDER BY aggregateversion', [orderId])).rows.map(
    (r: { type: string }) => r.type,
  );

describe('appending to an order stream', () => {
  it('refuses a second writer of the same version', async () => {
    const { order } = await placeOrder.place(request);
    const [placed] = await loadOrderEvents(db.pool, order.id);
    const next = { ...placed!, type: 'OrderShipped' as const, payload: {}, aggregateVersion: 2 };

    await appendOrderEvents(db.pool, [{ ...next, eventId: crypto.randomUUID() }]);
    await expect(appendOrderEvents(db.pool, [{ ...next, eventId: crypto.randomUUID() }])).rejects.toBeInstanceOf(
      ConcurrencyConflict,
    );
    expect(await versionsOf(order.id)).toEqual([1, 2]);
  });

  it('lets exactly one of N concurrent cancellations win and keeps the stream gapless', async () => {
    const { order } = await placeOrder.place(request);

    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        commands.execute(order.id, { type: 'CancelOrder', data: { cause: 'CUSTOMER_REQUEST', reason: 'race' } }),
      ),
    );

    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as OrderError] : []));
    expect(won).toHaveLength(1);
    expect(lost.map((e) => e.code)).toEqual(Array.from({ length: 19 }, () => 'ORDER_ALREADY_CANCELLED'));
    expect(await versionsOf(order.id)).toEqual([1, 2]);
    expect(await outboxRows(order.id)).toEqual(['OrderPlaced', 'OrderCancelled']);
  });

  it('settles a race between shipping and cancelling a confirmed order on one winner', async () => {
    const { order } = await placeOrder.place(request);
    await commands.execute(order.id, { type: 'ConfirmOrder', data: { paymentEventId: crypto.randomUUID() } });

    const results = await Promise.allSettled([
      commands.execute(order.id, { type: 'ShipOrder', data: {} }),
      commands.execute(order.id, { type: 'CancelOrder', data: { cause: 'CUSTOMER_REQUEST', reason: 'race' } }),
    ]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [loser] = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as OrderError] : []));
    expect(['ORDER_ALREADY_SHIPPED', 'ORDER_ALREADY_CANCELLED']).toContain(loser?.code);
    expect(await versionsOf(order.id)).toEqual([1, 2, 3]);
  });

  it('writes nothing when a command is refused', async () => {
    const { order } = await placeOrder.place(request);

    await expect(commands.execute(order.id, { type: 'ShipOrder', data: {} })).rejects.toMatchObject({
      code: 'ORDER_NOT_PAID',
    });

    expect(await versionsOf(order.id)).toEqual([1]);
    expect(await outboxRows(order.id)).toEqual(['OrderPlaced']);
  });
});

describe('POST /orders idempotency', () => {
  it('returns the first order for a retried request with the same key', async () => {
    const key = `key-${crypto.randomUUID()}`;
    const first = await placeOrder.place(request, key);
    const retry = await placeOrder.place(request, key);

    expect(retry).toEqual({ order: first.order, replayed: true });
    expect(await versionsOf(first.order.id)).toEqual([1]);
  });

  it('creates one order for concurrent requests with the same key', async () => {
    const key = `key-${crypto.randomUUID()}`;

    const results = await Promise.all(Array.from({ length: 10 }, () => placeOrder.place(request, key)));

    expect(new Set(results.map((r) => r.order.id)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM order_events WHERE order_id = $1', [
      results[0]!.order.id,
    ]);
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('refuses a key reused for a different order', async () => {
    const key = `key-${crypto.randomUUID()}`;
    await placeOrder.place(request, key);

    await expect(placeOrder.place({ ...request, customerId: 'someone-else' }, key)).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
  });
});
