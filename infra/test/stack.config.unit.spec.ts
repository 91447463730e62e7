import { loadStackConfig } from '../src/config/stack.config';

describe('stack configuration', () => {
  it('defaults to loopback ports clear of a laptop’s usual servers (Postgres 5432, Kafka 9092)', () => {
    const config = loadStackConfig({});
    const ports = [config.postgres.port, config.kafka.port, config.connect.port, config.smtp.port];
    expect(ports).not.toContain(5432);
    expect(ports).not.toContain(9092);
    expect(config.kafka.bootstrap).toBe('127.0.0.1:19092');
    expect(config.postgres.databases.orders.url).toBe('postgres://orders:orderflow@127.0.0.1:15432/orders');
  });

  it('takes every port from an ORDERFLOW_* override', () => {
    const config = loadStackConfig({ ORDERFLOW_POSTGRES_PORT: '25432', ORDERFLOW_ORDERS_PORT: '23001' });
    expect(config.postgres.databases.payments.url).toContain(':25432/payments');
    expect(config.services.orders.url).toBe('http://127.0.0.1:23001');
  });

  it('lets Connect reach Postgres by another name than the host does (compose, testcontainers)', () => {
    const config = loadStackConfig({
      ORDERFLOW_POSTGRES_HOST: 'localhost',
      ORDERFLOW_CDC_PG_HOST: 'postgres',
      ORDERFLOW_CDC_PG_PORT: '5432',
    });
    expect(config.postgres.superuserUrl).toContain('@localhost:15432/');
    expect([config.postgres.cdcHost, config.postgres.cdcPort]).toEqual(['postgres', 5432]);
  });

  it('refuses a bad value and names the variable', () => {
    expect(() => loadStackConfig({ ORDERFLOW_KAFKA_PORT: 'ninety' })).toThrow(/ORDERFLOW_KAFKA_PORT/);
  });
});
