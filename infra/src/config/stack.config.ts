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
  ORDERFLOW_CONNECT_PORT: port.default(18083),
  ORDERFLOW_POSTGRES_PORT: port.default(15432),
  ORDERFLOW_SMTP_PORT: port.default(11025),
  ORDERFLOW_MAIL_UI_PORT: port.default(11080),
  ORDERFLOW_ORDERS_PORT: port.default(13001),
  ORDERFLOW_PAYMENTS_PORT: port.default(13002),
  ORDERFLOW_EMAIL_PORT: port.default(13003),
  ORDERFLOW_POSTGRES_PASSWORD: z.string().min(1).default('orderflow'),
  ORDERFLOW_DEBEZIUM_PASSWORD: z.string().min(1).default('debezium'),
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

export interface StackConfig {
  repoRoot: string;
  dataDir: string;
  cacheDir: string;
  host: string;
  kafka: { port: number; controllerPort: number; bootstrap: string; heap: string };
  connect: { port: number; url: string; heap: string };
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
  services: Record<ServiceName, { port: number; url: string }>;
}

export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const parsed = EnvSchema.safeParse(env);
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
  const service = (p: number) => ({ port: p, url: `http://${host}:${p}` });

  return {
    repoRoot,
    dataDir: path.resolve(e.ORDERFLOW_DATA_DIR),
    cacheDir: path.resolve(e.ORDERFLOW_CACHE_DIR),
    host,
    kafka: {
      port: e.ORDERFLOW_KAFKA_PORT,
      controllerPort: e.ORDERFLOW_KAFKA_CONTROLLER_PORT,
      bootstrap: `${kafkaHost}:${e.ORDERFLOW_KAFKA_PORT}`,
      heap: e.ORDERFLOW_JVM_HEAP,
    },
    connect: {
      port: e.ORDERFLOW_CONNECT_PORT,
      url: `http://${connectHost}:${e.ORDERFLOW_CONNECT_PORT}`,
      heap: e.ORDERFLOW_JVM_HEAP,
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
      orders: service(e.ORDERFLOW_ORDERS_PORT),
      payments: service(e.ORDERFLOW_PAYMENTS_PORT),
      email: service(e.ORDERFLOW_EMAIL_PORT),
    },
  };
}
