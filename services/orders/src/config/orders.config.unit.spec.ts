import { loadOrdersConfig } from './orders.config';

const required = {
  PORT: '13001',
  DATABASE_URL: 'postgres://orders:pw@127.0.0.1:15432/orders',
  KAFKA_BROKERS: '127.0.0.1:19092',
};

describe('orders configuration', () => {
  it("defaults to the real topics and groups (today's behaviour), a 15-minute payment deadline swept every 30 s", () => {
    expect(loadOrdersConfig(required)).toMatchObject({
      ORDERS_EVENTS_TOPIC: 'orders.events',
      PAYMENTS_EVENTS_TOPIC: 'payments.events',
      ORDERS_STATE_TOPIC: 'orders.state',
      ORDERS_DEAD_LETTER_TOPIC: 'orders.dlq',
      ORDERS_READ_MODEL_CONSUMER_GROUP: 'orders.read-model',
      ORDERS_PAYMENT_EVENTS_CONSUMER_GROUP: 'orders.payment-events',
      ORDERS_PAYMENT_DEADLINE: 15 * 60_000,
      ORDERS_PAYMENT_DEADLINE_SWEEP_MS: 30_000,
    });
  });

  it.each([
    ['900000', 900_000],
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
  ])('reads a payment deadline of %s as %i ms', (text, ms) => {
    expect(loadOrdersConfig({ ...required, ORDERS_PAYMENT_DEADLINE: text }).ORDERS_PAYMENT_DEADLINE).toBe(ms);
  });

  it('sweeps a short deadline four times per deadline, so a cancellation is at most a quarter late', () => {
    expect(loadOrdersConfig({ ...required, ORDERS_PAYMENT_DEADLINE: '2s' }).ORDERS_PAYMENT_DEADLINE_SWEEP_MS).toBe(500);
  });

  it('sweeps as often as it is told', () => {
    const config = loadOrdersConfig({ ...required, ORDERS_PAYMENT_DEADLINE_SWEEP_MS: '5000' });
    expect(config.ORDERS_PAYMENT_DEADLINE_SWEEP_MS).toBe(5_000);
  });

  it.each([
    ['ORDERS_PAYMENT_DEADLINE', '15min'],
    ['ORDERS_PAYMENT_DEADLINE', '1.5s'],
    ['ORDERS_PAYMENT_DEADLINE', '-1s'],
    ['ORDERS_PAYMENT_DEADLINE', '0'],
    ['ORDERS_PAYMENT_DEADLINE', '31d'],
    ['ORDERS_PAYMENT_DEADLINE', '1000h'],
    ['ORDERS_PAYMENT_DEADLINE_SWEEP_MS', '10s'],
    ['ORDERS_PAYMENT_DEADLINE_SWEEP_MS', '0'],
  ])('refuses to start with %s=%s, naming it', (key, value) => {
    expect(() => loadOrdersConfig({ ...required, [key]: value })).toThrow(key);
  });
});
