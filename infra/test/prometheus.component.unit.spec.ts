import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { prometheusConfig, renderPrometheusConfig } from '../src/components/prometheus.component';
import { loadStackConfig } from '../src/config/stack.config';

/** The prometheus.yml `stack up --with observability` writes: what Prometheus scrapes and which rules it evaluates. */
describe('prometheus.yml for the native stack', () => {
  // A data folder of its own: the repository's .data/ remembers the running stack's shape.
  const dataDir = path.join(tmpdir(), 'orderflow-prometheus-unit-no-such-dir');
  const targetsOf = (config: ReturnType<typeof prometheusConfig>) =>
    Object.fromEntries(config.scrape_configs.map((j) => [j.job_name, j.static_configs.flatMap((s) => s.targets)]));

  it('scrapes every instance of a scaled stack, every Kafka node and Connect, on loopback', () => {
    const config = loadStackConfig({
      ORDERFLOW_DATA_DIR: dataDir,
      ORDERFLOW_KAFKA_BROKERS: '3',
      ORDERFLOW_SCALE_PAYMENTS: '3',
      ORDERFLOW_SCALE_EMAIL: '2',
    });
    expect(targetsOf(prometheusConfig(config))).toEqual({
      orders: ['127.0.0.1:13001'],
      payments: ['127.0.0.1:13002', '127.0.0.1:13102', '127.0.0.1:13202'],
      email: ['127.0.0.1:13003', '127.0.0.1:13103'],
      kafka: ['127.0.0.1:17071', '127.0.0.1:17171', '127.0.0.1:17271'],
      connect: ['127.0.0.1:17081'],
    });
  });

  it('scrapes the instances that run when they differ from the config (recorded by an earlier --scale)', () => {
    const config = loadStackConfig({ ORDERFLOW_DATA_DIR: dataDir });
    const targets = targetsOf(prometheusConfig(config, { payments: [1, 2] }));
    expect(targets.payments).toEqual(['127.0.0.1:13002', '127.0.0.1:13102']);
    expect(targets.orders).toEqual(['127.0.0.1:13001']);
  });

  it('scrapes and evaluates every 5 s, with the repository’s alert rules, as YAML Prometheus reads', () => {
    const config = loadStackConfig({ ORDERFLOW_DATA_DIR: dataDir, ORDERFLOW_KAFKA_METRICS_PORT: '27071' });
    const written = parse(renderPrometheusConfig(prometheusConfig(config))) as ReturnType<typeof prometheusConfig>;
    expect(written.global).toMatchObject({ scrape_interval: '5s', evaluation_interval: '5s' });
    expect(written.rule_files).toEqual([
      path.join(config.repoRoot, 'infra', 'observability', 'prometheus', 'alerts.rules.yml'),
    ]);
    expect(existsSync(written.rule_files[0]!)).toBe(true);
    expect(targetsOf(written).kafka).toEqual(['127.0.0.1:27071']);
  });
});
