import { randomUUID } from 'node:crypto';
import { type OrderEvent, type OrderState, fold } from './order';
import { type CommandMeta, type OrderCommand, decide } from './order.decide';
import { OrderError, type OrderErrorCode } from './order.errors';
import { reactToPayment } from './order.saga';

/** given(events).when(command).then(events) / .thenThrows(code), in the manner of Emmett's DeciderSpecification. */
const orderId = randomUUID();
const correlationId = randomUUID();
const meta = (state: OrderState): CommandMeta => ({
  orderId,
  eventIds: [randomUUID()],
  now: `2026-11-24T10:0${state.status === 'NONE' ? 0 : state.version}:00.000Z`,
  correlationId,
  causationId: null,
});
/** `.at(now)` sets the command's time; without it each version gets its own minute past 10:00. */
const given = (events: OrderEvent[], now?: string) => ({
  at: (time: string) => given(events, time),
  when: (command: OrderCommand) => {
    const state = fold(events);
    const m = { ...meta(state), ...(now ? { now } : {}) };
    const run = () => decide(command, state, m);
    return {
      then: (expected: { type: string; payload: unknown }[]) => {
        const produced = run();
        expect(produced.map((e) => ({ type: e.type, payload: e.payload }))).toEqual(expected);
        produced.forEach((e, i) => {
          const previous = state.status === 'NONE' ? 0 : state.version;
          expect(e).toMatchObject({ aggregateId: orderId, aggregateVersion: previous + i + 1, occurredAt: m.now });
        });
      },
      thenThrows: (code: OrderErrorCode) => {
        expect(run).toThrow(OrderError);
        expect(() => run()).toThrow(expect.objectContaining({ code }));
      },
    };
  },
});

const items = [
  { sku: 'BOOK-1', quantity: 2, unitPriceCents: 1250 },
  { sku: 'PEN-9', quantity: 1, unitPriceCents: 199 },
];
const place: OrderCommand = {
  type: 'PlaceOrder',
  data: { customerId: 'c-1', customerEmail: 'ada@example.com', currency: 'EUR', items },
};
const confirm: OrderCommand = { type: 'ConfirmOrder', data: { paymentEventId: randomUUID() } };
const cancelByCustomer: OrderCommand = {
  type: 'CancelOrder',
  data: { cause: 'CUSTOMER_REQUEST', reason: 'changed my mind' },
};
const cancelByDecline: OrderCommand = {
  type: 'CancelOrder',
  data: { cause: 'PAYMENT_DECLINED', reason: 'payment declined: limit' },
};
const ship: OrderCommand = { type: 'ShipOrder', data: {} };
const fifteenMinutes = 15 * 60_000;
const expire: OrderCommand = { type: 'ExpirePayment', data: { deadlineMs: fifteenMinutes } };
/** `place` runs at 10:00:00 (see `meta`), so its 15-minute deadline falls at 10:15:00. */
const placedAt = '2026-11-24T10:00:00.000Z';
const deadline = '2026-11-24T10:15:00.000Z';
const aMillisecondBeforeDeadline = '2026-11-24T10:14:59.999Z';
const muchLater = '2026-11-25T10:00:00.000Z';
const timeout = {
  type: 'OrderCancelled',
  payload: { cause: 'PAYMENT_TIMEOUT', reason: 'payment not received within 15 min', wasPaid: false },
};

/** The events an order has after a sequence of accepted commands. */
const history = (...commands: OrderCommand[]): OrderEvent[] =>
  commands.reduce<OrderEvent[]>(
    (events, command) => [...events, ...decide(command, fold(events), meta(fold(events)))],
    [],
  );
/** Placed, then cancelled by the sweep at its deadline. */
const timedOut = (): OrderEvent[] => {
  const placed = history(place);
  return [...placed, ...decide(expire, fold(placed), { ...meta(fold(placed)), now: deadline })];
};

describe('order decider', () => {
  describe('When there is no order', () => {
    it('places it, with the total of its lines', () =>
      given([])
        .when(place)
        .then([{ type: 'OrderPlaced', payload: { ...place.data, totalCents: 2699 } }]));
    it.each([
      ['confirm', confirm],
      ['cancel', cancelByCustomer],
      ['ship', ship],
      ['expire the payment of', expire],
    ] as const)('refuses to %s it: ORDER_NOT_FOUND', (_name, command) =>
      given([]).when(command).thenThrows('ORDER_NOT_FOUND'),
    );
  });

  describe('When pending payment', () => {
    const pending = history(place);
    it('refuses to place it again', () => given(pending).when(place).thenThrows('ORDER_ALREADY_EXISTS'));
    it('confirms it when payment is authorized', () =>
      given(pending)
        .when(confirm)
        .then([{ type: 'OrderConfirmed', payload: confirm.data }]));
    it('cancels it for the customer, unpaid', () =>
      given(pending)
        .when(cancelByCustomer)
        .then([{ type: 'OrderCancelled', payload: { ...cancelByCustomer.data, wasPaid: false } }]));
    it('cancels it when payment is declined, with the reason', () =>
      given(pending)
        .when(cancelByDecline)
        .then([{ type: 'OrderCancelled', payload: { ...cancelByDecline.data, wasPaid: false } }]));
    it('refuses to ship it', () => given(pending).when(ship).thenThrows('ORDER_NOT_PAID'));

    describe('and its payment deadline', () => {
      it('has passed: cancels it, unpaid, with cause PAYMENT_TIMEOUT and the deadline in the reason', () =>
        given(pending).at(deadline).when(expire).then([timeout]));
      it('passed long ago: cancels it all the same', () => given(pending).at(muchLater).when(expire).then([timeout]));
      it('has not passed yet: leaves it waiting', () =>
        given(pending).at(aMillisecondBeforeDeadline).when(expire).then([]));
      it('is measured from when it was placed, not from now', () => given(pending).at(placedAt).when(expire).then([]));
      it.each([
        [500, '500 ms'],
        [2_000, '2 s'],
        [90_000, '90 s'],
        [3_600_000, '1 h'],
      ])('of %i ms reads "%s" in the reason', (deadlineMs, text) =>
        given(pending)
          .at(muchLater)
          .when({ type: 'ExpirePayment', data: { deadlineMs } })
          .then([{ ...timeout, payload: { ...timeout.payload, reason: `payment not received within ${text}` } }]),
      );
    });
  });

  describe('When confirmed', () => {
    const confirmed = history(place, confirm);
    it('ships it', () =>
      given(confirmed)
        .when(ship)
        .then([{ type: 'OrderShipped', payload: {} }]));
    it('cancels it for the customer, as paid (so payments refunds)', () =>
      given(confirmed)
        .when(cancelByCustomer)
        .then([{ type: 'OrderCancelled', payload: { ...cancelByCustomer.data, wasPaid: true } }]));
    it('ignores a second payment authorization', () => given(confirmed).when(confirm).then([]));
    it('ignores a late decline', () => given(confirmed).when(cancelByDecline).then([]));
    it('keeps it past the payment deadline: the payment came in time', () =>
      given(confirmed).at(muchLater).when(expire).then([]));
  });

  describe('When shipped', () => {
    const shipped = history(place, confirm, ship);
    it('refuses to cancel it', () => given(shipped).when(cancelByCustomer).thenThrows('ORDER_ALREADY_SHIPPED'));
    it('refuses to ship it again', () => given(shipped).when(ship).thenThrows('ORDER_ALREADY_SHIPPED'));
    it('ignores a late authorization', () => given(shipped).when(confirm).then([]));
    it('ignores the payment deadline', () => given(shipped).at(muchLater).when(expire).then([]));
  });

  describe('When cancelled', () => {
    const cancelled = history(place, cancelByCustomer);
    it('refuses to ship it', () => given(cancelled).when(ship).thenThrows('ORDER_ALREADY_CANCELLED'));
    it('refuses to cancel it again for the customer', () =>
      given(cancelled).when(cancelByCustomer).thenThrows('ORDER_ALREADY_CANCELLED'));
    it('ignores a decline that arrives after', () => given(cancelled).when(cancelByDecline).then([]));
    it('ignores an authorization that arrives after (payments refunds it)', () =>
      given(cancelled).when(confirm).then([]));
    it('ignores the payment deadline: it is cancelled already', () =>
      given(cancelled).at(muchLater).when(expire).then([]));
  });

  describe('When cancelled because its payment deadline passed', () => {
    it('ignores a payment authorized after the deadline: no confirmation (payments refunds it)', () =>
      given(timedOut()).at(muchLater).when(confirm).then([]));
    it('ignores a decline that arrives after', () => given(timedOut()).when(cancelByDecline).then([]));
    it('expires nothing a second time (another sweep, or another orders instance)', () =>
      given(timedOut()).at(muchLater).when(expire).then([]));
    it('refuses to ship it', () => given(timedOut()).when(ship).thenThrows('ORDER_ALREADY_CANCELLED'));
    it('refuses a customer cancellation', () =>
      given(timedOut()).when(cancelByCustomer).thenThrows('ORDER_ALREADY_CANCELLED'));
  });

  describe('state', () => {
    it('folds to the latest status, version and cancellation reason', () => {
      const state = fold(history(place, confirm, cancelByCustomer));
      expect(state).toMatchObject({
        status: 'CANCELLED',
        version: 3,
        paid: true,
        totalCents: 2699,
        cancellation: { cause: 'CUSTOMER_REQUEST', reason: 'changed my mind' },
      });
    });
    it('folds a timeout to CANCELLED, unpaid, with its cause', () => {
      expect(fold(timedOut())).toMatchObject({
        status: 'CANCELLED',
        version: 2,
        paid: false,
        cancellation: { cause: 'PAYMENT_TIMEOUT', reason: 'payment not received within 15 min' },
      });
    });
  });
});

describe('order saga reactions', () => {
  const payment = {
    aggregateType: 'payments' as const,
    aggregateId: orderId,
    aggregateVersion: 1,
    schemaVersion: 1 as const,
  };
  const envelope = { eventId: randomUUID(), occurredAt: '2026-11-24T10:00:00.000Z', correlationId, causationId: null };

  it('confirms the order when its payment is authorized', () => {
    const authorized = {
      ...envelope,
      ...payment,
      type: 'PaymentAuthorized' as const,
      payload: { amountCents: 2699, currency: 'EUR', authorizationId: 'auth-1' },
    };
    expect(reactToPayment(authorized)).toEqual({ type: 'ConfirmOrder', data: { paymentEventId: authorized.eventId } });
  });

  it('cancels the order with the reason when its payment is declined', () => {
    const declined = {
      ...envelope,
      ...payment,
      schemaVersion: 2 as const,
      type: 'PaymentDeclined' as const,
      payload: { amountCents: 150_000, currency: 'EUR', code: 'LIMIT_EXCEEDED' as const, reason: 'over the limit' },
    };
    expect(reactToPayment(declined)).toEqual({
      type: 'CancelOrder',
      data: { cause: 'PAYMENT_DECLINED', reason: 'payment declined: over the limit' },
    });
  });
});
