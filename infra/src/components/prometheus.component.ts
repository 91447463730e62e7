import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type ServiceName, type StackConfig, instancePort, serviceNames } from '../config/stack.config';
import { type ProcessRegistry, WaitAborted, waitFor } from '../process/process.registry';
import { instanceIndexes } from './service.component';

/**
 * Prometheus for `stack up --with observability`: Debian's package (not a
 * download of our own — it is one `apt-get install` away and promtool, which
 * the alert-rule tests need, comes with it). It scrapes every service
 * instance, every Kafka node's and Connect's JMX exporter, and evaluates
 * infra/observability/prometheus/alerts.rules.yml. No Alertmanager: firing
 * alerts are read on its /alerts page or API.
 */
export const PROMETHEUS_BIN = '/usr/bin/prometheus';

/** Often enough that an alert with `for: 1m` fires about a minute after its condition starts. */
const INTERVAL = '5s';

export interface ScrapeJob {
  job_name: string;
  static_configs: { targets: string[] }[];
}

export interface PrometheusConfig {
  global: { scrape_interval: string; scrape_timeout: string; evaluation_interval: string };
  rule_files: string[];
  scrape_configs: ScrapeJob[];
}

export const alertRulesFile = (config: StackConfig) =>
  path.join(config.repoRoot, 'infra', 'observability', 'prometheus', 'alerts.rules.yml');

/**
 * The scrape jobs: `orders`, `payments`, `email` with one target per instance
 * (`indexes`: the instances that run, by default those the config asks for),
 * `kafka` with one per node, `connect`.
 */
export function prometheusConfig(
  config: StackConfig,
  indexes: Partial<Record<ServiceName, number[]>> = {},
): PrometheusConfig {
  const job = (name: string, ports: number[]): ScrapeJob => ({
    job_name: name,
    static_configs: [{ targets: ports.map((p) => `${config.host}:${p}`) }],
  });
  return {
    global: { scrape_interval: INTERVAL, scrape_timeout: '4s', evaluation_interval: INTERVAL },
    rule_files: [alertRulesFile(config)],
    scrape_configs: [
      ...serviceNames.map((name) => {
        const { port, instances } = config.services[name];
        return job(
          name,
          (indexes[name] ?? instances.map((i) => i.index)).map((index) => instancePort(port, index)),
        );
      }),
      job(
        'kafka',
        config.kafka.nodes.map((n) => n.metricsPort),
      ),
      job('connect', [config.connect.metricsPort]),
    ],
  };
}

/** JSON is YAML: Prometheus reads it as is, and no YAML writer is needed at run time. */
export const renderPrometheusConfig = (config: PrometheusConfig): string =>
  `# Written by \`stack up\` (infra/src/components/prometheus.component.ts); edits are overwritten.\n${JSON.stringify(config, null, 2)}\n`;

export function assertPrometheusInstalled(): void {
  if (!existsSync(PROMETHEUS_BIN)) {
    throw new Error(
      `observability needs Prometheus at ${PROMETHEUS_BIN}: \`apt-get install --no-install-recommends prometheus\` ` +
        '(Debian/Ubuntu; infra/README.md, "Observability", says how to keep the package from starting its own daemon)',
    );
  }
}

/**
 * Writes prometheus.yml for the stack as it runs now and starts Prometheus, or,
 * if it runs, has it reload the file (a new `--scale` adds targets).
 */
export async function startPrometheus(config: StackConfig, registry: ProcessRegistry): Promise<void> {
  assertPrometheusInstalled();
  const dir = path.join(config.dataDir, 'prometheus');
  const configFile = path.join(dir, 'prometheus.yml');
  mkdirSync(dir, { recursive: true });
  const indexes = Object.fromEntries(serviceNames.map((n) => [n, instanceIndexes(config, registry, n)]));
  writeFileSync(configFile, renderPrometheusConfig(prometheusConfig(config, indexes)));
  if (registry.running('prometheus')) {
    const response = await fetch(`${config.prometheus.url}/-/reload`, {
      method: 'POST',
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`Prometheus refused its new configuration: ${await response.text()}`);
    return;
  }
  registry.spawnDetached(
    'prometheus',
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      // A development stack: a few days of history is plenty.
      '--storage.tsdb.retention.time=3d',
      `--web.listen-address=${config.host}:${config.prometheus.port}`,
      // POST /-/reload, used above.
      '--web.enable-lifecycle',
    ],
    { cwd: dir },
  );
  await waitFor(
    'Prometheus /-/ready',
    async () => {
      if (!registry.running('prometheus')) throw new WaitAborted('Prometheus exited: see `stack logs prometheus`');
      return prometheusReady(config);
    },
    { timeoutMs: 30_000 },
  );
}

export async function prometheusReady(config: StackConfig): Promise<boolean> {
  const response = await fetch(`${config.prometheus.url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
  return response.ok;
}
