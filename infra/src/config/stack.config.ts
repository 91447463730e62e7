import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The one place the native stack's ports, folders and credentials come from.
 * Every value has a documented default (README, "Ports and overrides") and an
 * ORDERFLOW_* environment override. Defaults stay clear of the well-known ports
 * (Postgres 5432, Kafka 9092, ...) so the stack runs beside whatever a laptop
 * already has.
 */
const repoRoot = path.resolve(__dirname, '..', '..', '..');

const port = z.coerce.number().int().min(1).max(65535);

/** The HTTP servers a service can run under Nest (libs/platform's HTTP_ADAPTER). */
export const HttpAdapter = z.enum(['express', 'fastify']);
export type HttpAdapter = z.infer<typeof HttpAdapter>;

const EnvSchema = z.object({
  ORDERFLOW_DATA_DIR: z.string().default(path.join(repoRoot, '.data')),
  ORDERFLOW_CACHE_DIR: z.string().default(path.join(repoRoot, '.cache')),
  ORDERFLOW_HOST: z.string().default('127.0.0.1'),
  /** Per-component hosts, for endpoints that are not local processes (compose, testcontainers). */
  ORDERFLOW_POSTGRES_HOST: z.string().optional(),
  ORDERFLOW_KAFKA_HOST: z.string().optional(),
  ORDERFLOW_CONNECT_HOST: z.string().optional(),
  ORDERFLOW_SMTP_HOST: z.string().optional(),
  /** Postgres as Kafka Connect reaches it (inside compose: `postgres:5432`). */
  ORDERFLOW_CDC_PG_HOST: z.string().optional(),
  ORDERFLOW_CDC_PG_PORT: port.optional(),
  ORDERFLOW_KAFKA_PORT: port.default(19092),
  ORDERFLOW_KAFKA_CONTROLLER_PORT: port.default(19093),
  /** The JMX exporter agent on each Kafka node (Prometheus' `kafka` job). */
  ORDERFLOW_KAFKA_METRICS_PORT: port.default(17071),
  /** KRaft nodes (`stack up --brokers 3`): 1, or 3 with replication factor 3 and min.insync.replicas 2. */
  ORDERFLOW_KAFKA_BROKERS: z.coerce
    .number()
    .int()
    .refine((n) => n === 1 || n === 3, 'must be 1 or 3')
    .default(1),
  ORDERFLOW_CONNECT_PORT: port.default(18083),
  /** The JMX exporter agent on Connect (Prometheus' `connect` job). */
  ORDERFLOW_CONNECT_METRICS_PORT: port.default(17081),
  ORDERFLOW_POSTGRES_PORT: port.default(15432),
  ORDERFLOW_SMTP_PORT: port.default(11025),
  ORDERFLOW_MAIL_UI_PORT: port.default(11080),
  ORDERFLOW_ORDERS_PORT: port.default(13001),
  ORDERFLOW_PAYMENTS_PORT: port.default(13002),
  ORDERFLOW_EMAIL_PORT: port.default(13003),
  /** Prometheus, started by `stack up --with observability`. */
  ORDERFLOW_PROMETHEUS_PORT: port.default(19090),
  /** The live console (infra/src/console), started by every `stack up`. */
  ORDERFLOW_CONSOLE_PORT: port.default(13080),
  /** `1` (or `true`): `stack up` starts Prometheus too, as `--with observability` does. */
  ORDERFLOW_OBSERVABILITY: z
    .enum(['0', '1', 'false', 'true'])
    .default('0')
    .transform((v) => v === '1' || v === 'true'),
  /** Instances per service (`stack up --scale payments=3`): all in the service's consumer groups, each on its own port. */
  ORDERFLOW_SCALE_ORDERS: z.coerce.number().int().min(1).max(9).default(1),
  ORDERFLOW_SCALE_PAYMENTS: z.coerce.number().int().min(1).max(9).default(1),
  ORDERFLOW_SCALE_EMAIL: z.coerce.number().int().min(1).max(9).default(1),
  ORDERFLOW_POSTGRES_PASSWORD: z.string().min(1).default('orderflow'),
  ORDERFLOW_DEBEZIUM_PASSWORD: z.string().min(1).default('debezium'),
  /**
   * The services' HTTP server, passed to each as HTTP_ADAPTER (libs/platform): `express` or
   * `fastify`. Unset, the services keep their default (Fastify). Not remembered between
   * commands like the stack's shape: a benchmark reads it from the same environment.
   */
  ORDERFLOW_HTTP_ADAPTER: HttpAdapter.optional(),
  /** Heap of each JVM (broker, Connect); small by default, the stack shares a laptop. */
  ORDERFLOW_JVM_HEAP: z
    .string()
    .regex(/^\d+[mg]$/)
    .default('512m'),
});

export const serviceNames = ['orders', 'payments', 'email'] as const;
export type ServiceName = (typeof serviceNames)[number];

export interface ServiceDatabase {
  /** Database and role share the service's name: `orders` owns database `orders`. */
  name: ServiceName;
  role: string;
  password: string;
  url: string;
}

/**
 * One running copy of a service. The first is named after the service and
 * listens on the service's port (what a single-instance stack always had);
 * instance n is `<service>-n` on the service's port + 100·(n−1).
 */
export interface ServiceInstance {
  service: ServiceName;
  index: number;
  name: string;
  port: number;
  url: string;
}

export const instanceName = (service: ServiceName, index: number) => (index === 1 ? service : `${service}-${index}`);

/** Instance n of a service listens on the service's port + 100·(n−1). */
export const instancePort = (servicePort: number, index: number) => servicePort + 100 * (index - 1);

/** The service and index an instance (process) name stands for, if it is one. */
export function parseInstanceName(name: string): { service: ServiceName; index: number } | undefined {
  const match = /^(orders|payments|email)(?:-(\d+))?$/.exec(name);
  if (!match) return undefined;
  return { service: match[1] as ServiceName, index: match[2] ? Number(match[2]) : 1 };
}

/** A KRaft node (broker and controller in one JVM). Node n listens on the first node's ports + 100·(n−1). */
export interface KafkaNode {
  id: number;
  /** Its process name: `kafka`, `kafka-2`, `kafka-3`. */
  name: string;
  port: number;
  controllerPort: number;
  /** Its JMX exporter agent's /metrics. */
  metricsPort: number;
  address: string;
}

export interface StackConfig {
  repoRoot: string;
  dataDir: string;
  cacheDir: string;
  host: string;
  kafka: {
    port: number;
    controllerPort: number;
    /** The first node's metrics port (node n: + 100·(n−1)). */
    metricsPort: number;
    /** The first node's address: enough for a client to find the others. */
    bootstrap: string;
    /** Every node's address, for the services and Connect (so none depends on one node being up). */
    brokers: string[];
    nodes: KafkaNode[];
    /** Replication factor of every topic, internal ones included, and min.insync.replicas. */
    replicationFactor: number;
    minInsyncReplicas: number;
    heap: string;
  };
  connect: { port: number; url: string; heap: string; metricsPort: number };
  postgres: {
    port: number;
    /** Postgres as the Connect worker reaches it, for the connectors' ${env:ORDERFLOW_CDC_PG_*}. */
    cdcHost: string;
    cdcPort: number;
    superuser: string;
    superuserPassword: string;
    superuserUrl: string;
    debeziumRole: string;
    debeziumPassword: string;
    databases: Record<ServiceName, ServiceDatabase>;
  };
  smtp: { port: number; url: string; uiPort: number; uiUrl: string };
  services: Record<ServiceName, { port: number; url: string; instances: ServiceInstance[] }>;
  prometheus: { port: number; url: string };
  /** The live console's web page and JSON API. */
  console: { port: number; url: string };
  /** Whether `stack up` starts Prometheus (`--with observability`). */
  observability: boolean;
  /** The services' HTTP adapter when ORDERFLOW_HTTP_ADAPTER sets one; unset, their own default (Fastify). */
  httpAdapter?: HttpAdapter;
}

/**
 * The shape `stack up --brokers N --scale S=N` was last asked for, kept in the
 * data folder so that `status`, `down`, `exec` and the next `up` see the same
 * stack without the flags repeated. The environment still wins.
 */
export const shapeKeys = [
  'ORDERFLOW_KAFKA_BROKERS',
  'ORDERFLOW_SCALE_ORDERS',
  'ORDERFLOW_SCALE_PAYMENTS',
  'ORDERFLOW_SCALE_EMAIL',
] as const;
const shapeFile = (dataDir: string) => path.join(dataDir, 'stack-shape.json');

export function rememberShape(config: StackConfig, env: NodeJS.ProcessEnv = process.env): void {
  const shape = Object.fromEntries(shapeKeys.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
  mkdirSync(config.dataDir, { recursive: true });
  writeFileSync(
    shapeFile(config.dataDir),
    `${JSON.stringify({ ...rememberedShape(config.dataDir), ...shape }, null, 2)}\n`,
  );
}

function rememberedShape(dataDir: string): Record<string, string> {
  const file = shapeFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
}

export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const dataDir = path.resolve(env.ORDERFLOW_DATA_DIR ?? path.join(repoRoot, '.data'));
  const parsed = EnvSchema.safeParse({ ...rememberedShape(dataDir), ...env });
  if (!parsed.success) {
    throw new Error(`Invalid stack configuration: ${z.prettifyError(parsed.error)}`);
  }
  const e = parsed.data;
  const host = e.ORDERFLOW_HOST;
  const pgHost = e.ORDERFLOW_POSTGRES_HOST ?? host;
  const kafkaHost = e.ORDERFLOW_KAFKA_HOST ?? host;
  const connectHost = e.ORDERFLOW_CONNECT_HOST ?? host;
  const smtpHost = e.ORDERFLOW_SMTP_HOST ?? host;
  const pgUrl = (user: string, password: string, db: string) =>
    `postgres://${user}:${encodeURIComponent(password)}@${pgHost}:${e.ORDERFLOW_POSTGRES_PORT}/${db}`;
  const database = (name: ServiceName): ServiceDatabase => ({
    name,
    role: name,
    password: e.ORDERFLOW_POSTGRES_PASSWORD,
    url: pgUrl(name, e.ORDERFLOW_POSTGRES_PASSWORD, name),
  });
  const kafkaNodes: KafkaNode[] = Array.from({ length: e.ORDERFLOW_KAFKA_BROKERS }, (_, i) => ({
    id: i + 1,
    name: i === 0 ? 'kafka' : `kafka-${i + 1}`,
    port: e.ORDERFLOW_KAFKA_PORT + 100 * i,
    controllerPort: e.ORDERFLOW_KAFKA_CONTROLLER_PORT + 100 * i,
    metricsPort: e.ORDERFLOW_KAFKA_METRICS_PORT + 100 * i,
    address: `${kafkaHost}:${e.ORDERFLOW_KAFKA_PORT + 100 * i}`,
  }));
  const instanceOf = (name: ServiceName, base: number, index: number): ServiceInstance => {
    const p = instancePort(base, index);
    return { service: name, index, name: instanceName(name, index), port: p, url: `http://${host}:${p}` };
  };
  const service = (name: ServiceName, p: number, scale: number) => ({
    port: p,
    url: `http://${host}:${p}`,
    instances: Array.from({ length: scale }, (_, i) => instanceOf(name, p, i + 1)),
  });

  return {
    repoRoot,
    dataDir: path.resolve(e.ORDERFLOW_DATA_DIR),
    cacheDir: path.resolve(e.ORDERFLOW_CACHE_DIR),
    host,
    kafka: {
      port: e.ORDERFLOW_KAFKA_PORT,
      controllerPort: e.ORDERFLOW_KAFKA_CONTROLLER_PORT,
      metricsPort: e.ORDERFLOW_KAFKA_METRICS_PORT,
      bootstrap: `${kafkaHost}:${e.ORDERFLOW_KAFKA_PORT}`,
      brokers: kafkaNodes.map((n) => n.address),
      nodes: kafkaNodes,
      replicationFactor: e.ORDERFLOW_KAFKA_BROKERS,
      minInsyncReplicas: e.ORDERFLOW_KAFKA_BROKERS === 1 ? 1 : 2,
      heap: e.ORDERFLOW_JVM_HEAP,
    },
    connect: {
      port: e.ORDERFLOW_CONNECT_PORT,
      url: `http://${connectHost}:${e.ORDERFLOW_CONNECT_PORT}`,
      heap: e.ORDERFLOW_JVM_HEAP,
      metricsPort: e.ORDERFLOW_CONNECT_METRICS_PORT,
    },
    postgres: {
      port: e.ORDERFLOW_POSTGRES_PORT,
      cdcHost: e.ORDERFLOW_CDC_PG_HOST ?? pgHost,
      cdcPort: e.ORDERFLOW_CDC_PG_PORT ?? e.ORDERFLOW_POSTGRES_PORT,
      superuser: 'postgres',
      superuserPassword: e.ORDERFLOW_POSTGRES_PASSWORD,
      superuserUrl: pgUrl('postgres', e.ORDERFLOW_POSTGRES_PASSWORD, 'postgres'),
      debeziumRole: 'debezium',
      debeziumPassword: e.ORDERFLOW_DEBEZIUM_PASSWORD,
      databases: { orders: database('orders'), payments: database('payments'), email: database('email') },
    },
    smtp: {
      port: e.ORDERFLOW_SMTP_PORT,
      url: `smtp://${smtpHost}:${e.ORDERFLOW_SMTP_PORT}`,
      uiPort: e.ORDERFLOW_MAIL_UI_PORT,
      uiUrl: `http://${smtpHost}:${e.ORDERFLOW_MAIL_UI_PORT}`,
    },
    services: {
      orders: service('orders', e.ORDERFLOW_ORDERS_PORT, e.ORDERFLOW_SCALE_ORDERS),
      payments: service('payments', e.ORDERFLOW_PAYMENTS_PORT, e.ORDERFLOW_SCALE_PAYMENTS),
      email: service('email', e.ORDERFLOW_EMAIL_PORT, e.ORDERFLOW_SCALE_EMAIL),
    },
    prometheus: { port: e.ORDERFLOW_PROMETHEUS_PORT, url: `http://${host}:${e.ORDERFLOW_PROMETHEUS_PORT}` },
    console: { port: e.ORDERFLOW_CONSOLE_PORT, url: `http://${host}:${e.ORDERFLOW_CONSOLE_PORT}` },
    observability: e.ORDERFLOW_OBSERVABILITY,
    ...(e.ORDERFLOW_HTTP_ADAPTER ? { httpAdapter: e.ORDERFLOW_HTTP_ADAPTER } : {}),
  };
}
