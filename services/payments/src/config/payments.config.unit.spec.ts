import { loadPaymentsConfig } from './payments.config';

const required = {
  PORT: '13002',
  DATABASE_URL: 'postgres://payments:pw@127.0.0.1:15432/payments',
  KAFKA_BROKERS: '127.0.0.1:19092',
};

describe('payments configuration', () => {
  it('defaults to the real topics, group and a 100000 limit without latency or failures', () => {
    expect(loadPaymentsConfig(required)).toMatchObject({
      PAYMENT_LIMIT_CENTS: 100_000,
      PAYMENT_GATEWAY_LATENCY_MS: 0,
      PAYMENT_GATEWAY_FAILURE_RATE: 0,
      ORDERS_EVENTS_TOPIC: 'orders.events',
      PAYMENTS_DEAD_LETTER_TOPIC: 'payments.dlq',
      PAYMENTS_CONSUMER_GROUP: 'payments.order-events',
    });
  });

  it('reads the fault-test knobs', () => {
    const config = loadPaymentsConfig({
      ...required,
      PAYMENT_LIMIT_CENTS: '5000',
      PAYMENT_GATEWAY_LATENCY_MS: '250',
      PAYMENT_GATEWAY_FAILURE_RATE: '0.2',
    });
    expect(config).toMatchObject({
      PAYMENT_LIMIT_CENTS: 5000,
      PAYMENT_GATEWAY_LATENCY_MS: 250,
      PAYMENT_GATEWAY_FAILURE_RATE: 0.2,
    });
  });

  it.each([
    ['PAYMENT_GATEWAY_FAILURE_RATE', '1.5'],
    ['PAYMENT_LIMIT_CENTS', '-1'],
    ['PAYMENT_GATEWAY_LATENCY_MS', 'slow'],
  ])('refuses to start with a bad %s, naming it', (key, value) => {
    expect(() => loadPaymentsConfig({ ...required, [key]: value })).toThrow(key);
  });
});
