import { z } from 'zod';

/**
 * Fastify: under the saga it spent less of the orders service's CPU per order
 * than Express at two of three rates (even at the third) and held a higher
 * rate more often (bench/results/http-adapters.md).
 */
export const DEFAULT_HTTP_ADAPTER = 'fastify';

/**
 * What every service reads from its environment. A service extends this schema
 * with its own keys; a bad value stops the service at start, with the key named.
 */
export const ServiceEnv = z.object({
  /** Kafka client id and log name; each service sets its own default. */
  SERVICE_NAME: z.string().min(1),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(1).max(65535),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  KAFKA_BROKERS: z
    .string()
    .min(1)
    .transform((s) => s.split(',').map((b) => b.trim())),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** Outbox rows older than this are deleted (Debezium reads them from the WAL, not the table). */
  OUTBOX_KEEP_MS: z.coerce.number().int().min(0).default(60_000),
  /** 0 turns pruning off: with the polling relay, which deletes what it sent, the pruner must not run. */
  OUTBOX_PRUNE_INTERVAL_MS: z.coerce.number().int().min(0).default(10_000),
  /** Debezium's replication slot for this database (infra/connectors): the outbox backlog is read against it. */
  OUTBOX_SLOT_NAME: z.string().min(1).optional(),
  /** How often consumer lag and the outbox backlog are read for /metrics. */
  METRICS_REFRESH_MS: z.coerce.number().int().min(500).default(5_000),
  /**
   * The HTTP server under Nest: `fastify` (the default: bench/results/http-adapters.md) or
   * `express`. Both answer every request alike, bad input included (see
   * http/http-app.factory.ts); the native stack sets it from ORDERFLOW_HTTP_ADAPTER.
   */
  HTTP_ADAPTER: z.enum(['express', 'fastify']).default(DEFAULT_HTTP_ADAPTER),
});
export type ServiceEnv = z.infer<typeof ServiceEnv>;

export function loadServiceConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid configuration:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * Nest token of the whole config given to `PlatformModule.forService` (the
 * service's own schema, extending ServiceEnv): what a `@ConsumerGroup`'s
 * settings are read from at start. A service injects its config by its own token.
 */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
