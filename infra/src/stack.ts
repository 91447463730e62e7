import { type StackConfig, instanceName, instancePort, serviceNames } from './config/stack.config';
import { connectReady, startConnect } from './components/connect.component';
import { consoleReady, startConsole } from './components/console.component';
import { ensureJvmArtifacts } from './components/jvm.artifacts';
import { kafkaNodeReady, kafkaReady, startKafka } from './components/kafka.component';
import { postgresReady, startPostgres, stopPostgres } from './components/postgres.component';
import { assertPrometheusInstalled, prometheusReady, startPrometheus } from './components/prometheus.component';
import { instanceIndexes, instanceReady, recordedInstances, startService } from './components/service.component';
import { smtpReady, startSmtp } from './components/smtp.component';
import { ProcessRegistry, isAlive } from './process/process.registry';
import { connectorDeclarations, connectorState, registerConnectors } from './provision/connectors.provision';
import { provisionDatabases } from './provision/databases.provision';
import { topicDeclarationsFor } from './provision/topics.declaration';
import { provisionTopics } from './provision/topics.provision';

export type Log = (line: string) => void;

export interface UpOptions {
  /** Start the three services too (the default); the test harness starts only the infrastructure when it runs services itself. */
  services?: boolean;
}

/**
 * Brings the whole native stack up, in dependency order, each step idempotent:
 * a second `up` on a running stack only checks it. The console follows the
 * services. Prometheus comes last, when
 * asked for (`--with observability`) or already part of the stack (started by
 * an earlier `up` and not stopped by `down`), so it sees every instance.
 */
export async function stackUp(config: StackConfig, log: Log, options: UpOptions = {}): Promise<void> {
  const registry = new ProcessRegistry(config.dataDir);
  const observability = config.observability || registry.recorded('prometheus') !== undefined;
  if (observability) assertPrometheusInstalled(); // before anything starts
  const timed = async (what: string, step: () => Promise<unknown>) => {
    const started = Date.now();
    await step();
    log(`${what.padEnd(34)} ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  const jvm = ensureJvmArtifacts(config, log);
  await timed('postgres', () => startPostgres(config, registry));
  await timed(`kafka ${jvm.versions.kafka} (KRaft)`, () => startKafka(config, registry, jvm));
  await timed(`connect + debezium ${jvm.versions.debezium}`, () => startConnect(config, registry, jvm));
  await provision(config, timed);
  await timed('smtp (maildev)', () => startSmtp(config, registry));
  if (options.services ?? true) {
    for (const name of serviceNames) await timed(`service ${name}`, () => startService(config, registry, name));
  }
  await timed('console', () => startConsole(config, registry));
  if (observability) await timed('prometheus', () => startPrometheus(config, registry));
}

/**
 * Databases, roles and migrations; topics; connectors registered and RUNNING.
 * The same steps, against whatever endpoints the config names, are the
 * docker-compose `provision` job (`stack provision`).
 */
export async function provision(
  config: StackConfig,
  timed: (what: string, step: () => Promise<unknown>) => Promise<void> = (_what, step) => step().then(() => undefined),
): Promise<void> {
  await timed('databases, roles, migrations', () => provisionDatabases(config));
  await timed('topics', () => provisionTopics(config.kafka.brokers[0]!, topicDeclarationsFor(config.kafka)));
  await timed('connectors RUNNING', () =>
    registerConnectors(config.connect.url, connectorDeclarations(config.repoRoot)),
  );
}

/** Stops, in reverse order, exactly the processes `up` recorded. */
export async function stackDown(config: StackConfig, log: Log): Promise<void> {
  const registry = new ProcessRegistry(config.dataDir);
  await registry.stop('prometheus');
  await registry.stop('console');
  for (const name of [...serviceNames].reverse()) {
    for (const instance of recordedInstances(registry, name)) await registry.stop(instance.name);
  }
  await registry.stop('smtp');
  await registry.stop('connect', 30_000);
  // Every node a --brokers 3 stack recorded, whatever the current config says.
  const kafkaNodes = registry.names().filter((n) => /^kafka(-\d+)?$/.test(n));
  await Promise.all(kafkaNodes.map((n) => registry.stop(n, 30_000)));
  await stopPostgres(config, registry);
  log('stack stopped');
}

export type ComponentState = 'running' | 'unhealthy' | 'stopped';

export interface ComponentStatus {
  state: ComponentState;
  endpoint: string;
  pid?: number;
  [detail: string]: unknown;
}

export interface StackStatus {
  healthy: boolean;
  components: Record<string, ComponentStatus>;
}

export async function stackStatus(config: StackConfig): Promise<StackStatus> {
  const registry = new ProcessRegistry(config.dataDir);
  const probe = async (
    name: string,
    endpoint: string,
    ready: () => Promise<boolean>,
    details: Record<string, unknown> = {},
  ) => {
    const record = registry.recorded(name);
    const alive = record !== undefined && isAlive(record.pid);
    const ok = alive && (await ready().catch(() => false));
    const status: ComponentStatus = { state: !alive ? 'stopped' : ok ? 'running' : 'unhealthy', endpoint, ...details };
    if (alive) status.pid = record.pid;
    return status;
  };

  const connectors: Record<string, string> = {};
  const connectUp = await connectReady(config).catch(() => false);
  for (const { name } of connectorDeclarations(config.repoRoot)) {
    connectors[name] = connectUp
      ? (await connectorState(config.connect.url, name).catch(() => ({ state: 'UNKNOWN' }))).state
      : 'UNKNOWN';
  }
  const databases = Object.fromEntries(serviceNames.map((n) => [n, config.postgres.databases[n].url]));

  const components: Record<string, ComponentStatus> = {
    postgres: await probe('postgres', config.postgres.superuserUrl, () => postgresReady(config), { databases }),
    kafka: await probe('kafka', config.kafka.bootstrap, () => kafkaReady(config), {
      nodes: await Promise.all(
        config.kafka.nodes.map(async (node) => ({
          name: node.name,
          ...(await probe(node.name, node.address, () => kafkaNodeReady(node))),
        })),
      ),
    }),
    connect: await probe(
      'connect',
      config.connect.url,
      async () => connectUp && Object.values(connectors).every((s) => s === 'RUNNING'),
      { connectors },
    ),
    smtp: await probe('smtp', config.smtp.url, () => smtpReady(config), {
      ui: config.smtp.uiUrl,
      api: `${config.smtp.uiUrl}/api/email`,
    }),
  };
  for (const name of serviceNames) {
    // What runs (recorded instances, whatever scale started them) and what the config asks for.
    const base = config.services[name];
    const sorted = instanceIndexes(config, registry, name);
    const probed: ComponentStatus[] = [];
    for (const index of sorted) {
      const url = `http://${config.host}:${instancePort(base.port, index)}`;
      probed.push(await probe(instanceName(name, index), url, () => instanceReady(url), { health: `${url}/health` }));
    }
    const instances = probed.map((status, i) => ({ name: instanceName(name, sorted[i]!), ...status }));
    const state = instances.every((i) => i.state === 'running')
      ? 'running'
      : instances.some((i) => i.state !== 'stopped')
        ? 'unhealthy'
        : 'stopped';
    // The first instance's fields, as a one-instance stack always showed them, plus every instance.
    components[name] = { ...probed[0]!, state, instances };
  }
  // Only in a stack whose `up` started it (every `up` does): a stack started before the console existed
  // reads as it always did, rather than unhealthy, until its next `up`.
  if (registry.recorded('console')) {
    components.console = await probe('console', config.console.url, () => consoleReady(config));
  }
  // Only in a stack that has it: without observability, status reads as it always did.
  if (registry.recorded('prometheus')) {
    components.prometheus = await probe('prometheus', config.prometheus.url, () => prometheusReady(config));
  }
  return { healthy: Object.values(components).every((c) => c.state === 'running'), components };
}
