import { Logger } from '@nestjs/common';
import { type Clock, randomIds } from '@orderflow/platform';
import { freshDatabase, type FreshDatabase } from '../../../test/support/test-database';
import { OrderCommands } from '../src/application/order.commands';
import { PaymentDeadlineSweep, type PaymentDeadlineOptions } from '../src/application/payment-deadline.sweep';
import { loadOrderEvents } from '../src/persistence/order-event.store';
import { projectEvents } from '../src/projections/order-view.projection';

/**
 * The payment deadline sweep against a real database (a throw-away one), with
 * a clock the test sets: which orders it picks from the read model, that the
 * event store has the last word, and how it pages, resumes and fails.
 */
let db: FreshDatabase;
let now = new Date('2026-11-24T10:00:00.000Z');
const clock: Clock = { now: () => now };
let commands: OrderCommands;
const deadlineMs = 15 * 60_000;

beforeAll(async () => {
  Logger.overrideLogger(false);
  db = await freshDatabase('orders_payment_deadline_sweep_test', 'orders');
  commands = new OrderCommands(db.pool, clock, randomIds);
});
afterAll(() => db.drop());
// Each test's orders are its own: the read model starts empty.
beforeEach(() => db.pool.query('TRUNCATE orders_view_v1, order_events, outbox'));

const sweepOf = (options: Partial<PaymentDeadlineOptions> = {}) =>
  new PaymentDeadlineSweep(db.pool, clock, commands, {
    deadlineMs,
    intervalMs: 60_000,
    pageSize: 100,
    maxPerSweep: 1_000,
    ...options,
  });
const at = (iso: string) => {
  now = new Date(iso);
};
/** Places an order at the clock's time and shows it in the read model, as the read-model consumer would. */
const placeOrder = async () => {
  const order = await commands.execute(randomIds.next(), {
    type: 'PlaceOrder',
    data: {
      customerId: 'c-sweep',
      customerEmail: 'sweep@example.com',
      currency: 'EUR',
      items: [{ sku: 'TEA-1', quantity: 1, unitPriceCents: 450 }],
    },
  });
  await projectEvents(db.pool, await loadOrderEvents(db.pool, order.id));
  return order.id;
};
const placeOrders = async (n: number) => {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1) ids.push(await placeOrder());
  return ids;
};
const historyOf = async (orderId: string) =>
  (await loadOrderEvents(db.pool, orderId)).map((e) =>
    e.type === 'OrderCancelled' ? `${e.type}:${e.payload.cause}` : e.type,
  );
const timedOut = ['OrderPlaced', 'OrderCancelled:PAYMENT_TIMEOUT'];

describe('the payment deadline sweep', () => {
  it('cancels the orders placed a deadline ago or more, and no others', async () => {
    at('2026-11-24T10:00:00.000Z');
    const due = await placeOrders(3);
    at('2026-11-24T10:00:00.001Z');
    const [notYet] = await placeOrders(1);

    at('2026-11-24T10:15:00.000Z');
    const result = await sweepOf().sweep();

    expect(result).toEqual({ examined: 3, cancelled: 3, more: false });
    for (const id of due) expect(await historyOf(id)).toEqual(timedOut);
    expect(await historyOf(notYet!)).toEqual(['OrderPlaced']);
    const [cancelled] = await loadOrderEvents(db.pool, due[0]!).then((events) => events.slice(1));
    expect(cancelled).toMatchObject({
      occurredAt: '2026-11-24T10:15:00.000Z',
      payload: { cause: 'PAYMENT_TIMEOUT', reason: 'payment not received within 15 min', wasPaid: false },
    });
  });

  it('leaves an order that was paid in time although the read model still shows it awaiting payment', async () => {
    at('2026-11-24T10:00:00.000Z');
    const [paid] = await placeOrders(1);
    // Confirmed in the event store; the read model has not caught up.
    await commands.execute(paid!, { type: 'ConfirmOrder', data: { paymentEventId: randomIds.next() } });

    at('2026-11-24T11:00:00.000Z');
    const result = await sweepOf().sweep();

    expect(result).toEqual({ examined: 1, cancelled: 0, more: false });
    expect(await historyOf(paid!)).toEqual(['OrderPlaced', 'OrderConfirmed']);
  });

  it('examines a bounded number of orders per sweep and goes on where the last one stopped', async () => {
    at('2026-11-24T10:00:00.000Z');
    const due = await placeOrders(25);
    at('2026-11-24T11:00:00.000Z');
    // The read model is not updated by the sweep's own cancellations here: a sweep that
    // started from the oldest every time would examine the same 10 rows again and cancel nothing more.
    const sweep = sweepOf({ pageSize: 4, maxPerSweep: 10 });

    const results = [await sweep.sweep(), await sweep.sweep(), await sweep.sweep()];

    expect(results).toEqual([
      { examined: 10, cancelled: 10, more: true },
      { examined: 10, cancelled: 10, more: true },
      { examined: 5, cancelled: 5, more: false },
    ]);
    for (const id of due) expect(await historyOf(id)).toEqual(timedOut);
    // A full pass done, the next starts from the oldest again (finding them cancelled already: no-ops).
    expect(await sweep.sweep()).toEqual({ examined: 10, cancelled: 0, more: true });
    for (const id of due) expect(await historyOf(id)).toEqual(timedOut);
  });

  it('survives a database error: the sweep ends without throwing and the next one does the work', async () => {
    at('2026-11-24T10:00:00.000Z');
    const [due] = await placeOrders(1);
    at('2026-11-24T11:00:00.000Z');
    const sweep = sweepOf();
    jest.spyOn(db.pool, 'query').mockRejectedValueOnce(new Error('Connection terminated unexpectedly') as never);

    await expect(sweep.sweep()).resolves.toEqual({ examined: 0, cancelled: 0, more: false });
    expect(await historyOf(due!)).toEqual(['OrderPlaced']);

    await expect(sweep.sweep()).resolves.toEqual({ examined: 1, cancelled: 1, more: false });
    expect(await historyOf(due!)).toEqual(timedOut);
  });
});
