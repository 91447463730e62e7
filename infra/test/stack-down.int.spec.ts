import { rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createKafka } from '@orderflow/messaging';
import { loadStackConfig } from '../src/config/stack.config';
import { isAlive, processesUnder, waitFor } from '../src/process/process.registry';
import { repoRoot, runStack, stackStatus } from '../../test/harness/stack.cli';

/**
 * `stack up` in its largest shape — three Kafka brokers, three payments
 * instances, Prometheus, and the console every `up` starts — is healthy and
 * shows every instance and node, every JVM serves its metrics and Prometheus
 * scrapes every target, and `stack down` stops every process it started and
 * leaves nothing behind. Checked on a second, throw-away stack (own data
 * folder, own ports), so the stack the other tests use is not disturbed.
 * (Every other test runs on the default shape: one broker, one instance each.)
 */
const dataDir = path.join(repoRoot, '.data', 'stack-down-test');
const env: NodeJS.ProcessEnv = {
  ...process.env,
  ORDERFLOW_DATA_DIR: dataDir,
  ORDERFLOW_KAFKA_PORT: '29092',
  ORDERFLOW_KAFKA_CONTROLLER_PORT: '29093',
  ORDERFLOW_KAFKA_METRICS_PORT: '27071',
  ORDERFLOW_CONNECT_PORT: '28083',
  ORDERFLOW_CONNECT_METRICS_PORT: '27081',
  ORDERFLOW_PROMETHEUS_PORT: '29090',
  ORDERFLOW_POSTGRES_PORT: '25432',
  ORDERFLOW_SMTP_PORT: '21025',
  ORDERFLOW_MAIL_UI_PORT: '21080',
  ORDERFLOW_ORDERS_PORT: '23001',
  ORDERFLOW_PAYMENTS_PORT: '23002',
  ORDERFLOW_EMAIL_PORT: '23003',
  ORDERFLOW_CONSOLE_PORT: '23080',
};
const config = loadStackConfig({ ...env, ORDERFLOW_KAFKA_BROKERS: '3', ORDERFLOW_SCALE_PAYMENTS: '3' });
const ports = [
  ...config.kafka.nodes.flatMap((n) => [n.port, n.controllerPort, n.metricsPort]),
  config.connect.port,
  config.connect.metricsPort,
  config.prometheus.port,
  config.postgres.port,
  config.smtp.port,
  config.smtp.uiPort,
  config.console.port,
  ...Object.values(config.services).flatMap((s) => s.instances.map((i) => i.port)),
];

/**
 * Waits for a JVM's metrics page to show `line`. The exporter's first scrape
 * of a JVM that has just started takes seconds when the machine is busy (the
 * suite runs beside this test), so one slow answer is waited out, not failed.
 */
const metricsShow = (port: number, line: RegExp) =>
  waitFor(
    `http://${config.host}:${port}/metrics to show ${line}`,
    async () => {
      const response = await fetch(`http://${config.host}:${port}/metrics`, { signal: AbortSignal.timeout(15_000) });
      return line.test(await response.text());
    },
    { timeoutMs: 60_000, intervalMs: 1_000 },
  );

/** Prometheus' scrape targets by job, each with its health. */
async function scrapeTargets(): Promise<{ job: string; health: string }[]> {
  const response = await fetch(`${config.prometheus.url}/api/v1/targets?state=active`);
  const body = (await response.json()) as {
    data: { activeTargets: { labels: { job: string }; health: string }[] };
  };
  return body.data.activeTargets.map((t) => ({ job: t.labels.job, health: t.health }));
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: config.host, port });
    socket.once('connect', () => resolve(true) === undefined && socket.destroy());
    socket.once('error', () => resolve(false));
  });

describe('stack down', () => {
  beforeAll(() => rmSync(dataDir, { recursive: true, force: true }));
  afterAll(() => {
    runStack(['down'], env); // in case an assertion failed half-way
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('comes up with three brokers, three payments instances and Prometheus, every component running, then stops every process it started: no pid alive, no process in its folder, no port open', async () => {
    expect(runStack(['up', '--brokers', '3', '--scale', 'payments=3', '--with', 'observability'], env).code).toBe(0);
    const up = stackStatus(env);
    expect(up.healthy).toBe(true);
    expect(Object.keys(up.components).sort()).toEqual([
      'connect',
      'console',
      'email',
      'kafka',
      'orders',
      'payments',
      'postgres',
      'prometheus',
      'smtp',
    ]);
    expect(Object.values(up.components).map((c) => c.state)).toEqual(Object.keys(up.components).map(() => 'running'));
    expect(up.components.connect?.connectors).toEqual({
      'email-outbox': 'RUNNING',
      'orders-outbox': 'RUNNING',
      'payments-outbox': 'RUNNING',
    });
    expect(up.components.kafka?.endpoint).toBe(config.kafka.bootstrap);
    expect(up.components.kafka?.nodes).toEqual(
      config.kafka.nodes.map((n) => expect.objectContaining({ name: n.name, state: 'running', endpoint: n.address })),
    );
    expect(up.components.payments?.instances).toEqual(
      config.services.payments.instances.map((i) =>
        expect.objectContaining({ name: i.name, state: 'running', endpoint: i.url, pid: expect.any(Number) }),
      ),
    );
    expect(up.components.orders?.instances).toHaveLength(1);
    // Every topic on three replicas, refusing writes fewer than two have.
    const admin = createKafka('stack-test', config.kafka.brokers, { logLevel: 'nothing' }).admin();
    await admin.connect();
    try {
      const topics = await admin.describeTopics(['orders.events', '__consumer_offsets']);
      for (const topic of topics) expect(topic.partitions.every((p) => p.replicas.length === 3)).toBe(true);
      const configs = await admin.topicConfigs(['orders.events']);
      expect(configs.get('orders.events')?.['min.insync.replicas']).toBe('2');
    } finally {
      await admin.disconnect();
    }
    expect(up.components.postgres?.databases).toEqual({
      orders: config.postgres.databases.orders.url,
      payments: config.postgres.databases.payments.url,
      email: config.postgres.databases.email.url,
    });
    expect(up.components.smtp?.ui).toBe(config.smtp.uiUrl);
    expect(up.components.console?.endpoint).toBe(config.console.url);
    expect((await fetch(`${config.console.url}/api/health`)).status).toBe(200);
    // The JMX exporter on every node and on Connect, with the rules of infra/observability/jmx.
    for (const node of config.kafka.nodes) {
      await metricsShow(node.metricsPort, /^kafka_server_replicamanager_underreplicatedpartitions \S+$/m);
    }
    await metricsShow(
      config.connect.metricsPort,
      /^kafka_connect_connector_status\{connector="orders-outbox",status="running"\} 1(\.0)?$/m,
    );
    // Prometheus scrapes one target per instance and node, all answering.
    expect(up.components.prometheus?.endpoint).toBe(config.prometheus.url);
    const expectedTargets = { orders: 1, payments: 3, email: 1, kafka: 3, connect: 1 };
    await waitFor(
      'every Prometheus target scraped and up',
      async () => {
        const targets = await scrapeTargets();
        const answering = Object.fromEntries(
          Object.keys(expectedTargets).map((job) => [
            job,
            targets.filter((t) => t.job === job && t.health === 'up').length,
          ]),
        );
        return JSON.stringify(answering) === JSON.stringify(expectedTargets);
      },
      { timeoutMs: 30_000, intervalMs: 1_000 },
    );
    const pids = [
      ...Object.values(up.components).map((c) => c.pid),
      ...((up.components.kafka?.nodes ?? []) as { pid?: number }[]).map((n) => n.pid),
      ...((up.components.payments?.instances ?? []) as { pid?: number }[]).map((i) => i.pid),
    ];
    expect(pids.every((pid) => typeof pid === 'number')).toBe(true);
    expect(processesUnder(dataDir).length).toBeGreaterThan(0);

    expect(runStack(['down'], env).code).toBe(0);

    expect(pids.filter((pid) => isAlive(pid as number))).toEqual([]);
    expect(processesUnder(dataDir)).toEqual([]);
    const open = [];
    for (const port of ports) if (await listening(port)) open.push(port);
    expect(open).toEqual([]);
    // Every component stopped; Prometheus and the console, which `down` takes out of the stack, no longer listed.
    const down = stackStatus(env).components;
    expect(Object.keys(down).sort()).toEqual(
      Object.keys(up.components)
        .filter((n) => n !== 'prometheus' && n !== 'console')
        .sort(),
    );
    expect(Object.values(down).map((c) => c.state)).toEqual(Object.keys(down).map(() => 'stopped'));
  }, 240_000);
});
