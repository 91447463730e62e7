import { serviceEnvironment } from '../src/components/service.component';
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

  it('serves the JVMs’ metrics on loopback ports, each Kafka node on its own (+100 per node, like its other ports)', () => {
    const config = loadStackConfig({ ORDERFLOW_KAFKA_BROKERS: '3' });
    expect(config.kafka.nodes.map((n) => n.metricsPort)).toEqual([17071, 17171, 17271]);
    expect(config.connect.metricsPort).toBe(17081);
    expect(config.prometheus.url).toBe('http://127.0.0.1:19090');
  });

  it('takes the metrics and Prometheus ports from their ORDERFLOW_* overrides', () => {
    const config = loadStackConfig({
      ORDERFLOW_KAFKA_BROKERS: '3',
      ORDERFLOW_KAFKA_METRICS_PORT: '27071',
      ORDERFLOW_CONNECT_METRICS_PORT: '27081',
      ORDERFLOW_PROMETHEUS_PORT: '29090',
    });
    expect(config.kafka.nodes.map((n) => n.metricsPort)).toEqual([27071, 27171, 27271]);
    expect(config.connect.metricsPort).toBe(27081);
    expect(config.prometheus.port).toBe(29090);
  });

  it('serves the console on loopback, 13080 by default or ORDERFLOW_CONSOLE_PORT', () => {
    expect(loadStackConfig({}).console).toEqual({ port: 13080, url: 'http://127.0.0.1:13080' });
    expect(loadStackConfig({ ORDERFLOW_CONSOLE_PORT: '23080' }).console.url).toBe('http://127.0.0.1:23080');
    expect(() => loadStackConfig({ ORDERFLOW_CONSOLE_PORT: '70000' })).toThrow(/ORDERFLOW_CONSOLE_PORT/);
  });

  it('starts Prometheus only when asked (ORDERFLOW_OBSERVABILITY=1, or `--with observability`)', () => {
    expect(loadStackConfig({}).observability).toBe(false);
    expect(loadStackConfig({ ORDERFLOW_OBSERVABILITY: '1' }).observability).toBe(true);
    expect(loadStackConfig({ ORDERFLOW_OBSERVABILITY: 'false' }).observability).toBe(false);
    expect(() => loadStackConfig({ ORDERFLOW_OBSERVABILITY: 'yes' })).toThrow(/ORDERFLOW_OBSERVABILITY/);
  });

  it('passes ORDERFLOW_HTTP_ADAPTER to every service as HTTP_ADAPTER, and nothing when it is unset', () => {
    const fastify = loadStackConfig({ ORDERFLOW_HTTP_ADAPTER: 'fastify' });
    for (const name of ['orders', 'payments', 'email'] as const) {
      expect(serviceEnvironment(fastify, name).HTTP_ADAPTER).toBe('fastify');
      expect(serviceEnvironment(loadStackConfig({}), name)).not.toHaveProperty('HTTP_ADAPTER');
    }
    expect(() => loadStackConfig({ ORDERFLOW_HTTP_ADAPTER: 'koa' })).toThrow(/ORDERFLOW_HTTP_ADAPTER/);
  });

  it('refuses a bad value and names the variable', () => {
    expect(() => loadStackConfig({ ORDERFLOW_KAFKA_PORT: 'ninety' })).toThrow(/ORDERFLOW_KAFKA_PORT/);
  });
});
