import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';

/** Nest token of the service's one `pg` Pool (its own database only). */
export const PG_POOL = Symbol('PG_POOL');
export const InjectPool = () => Inject(PG_POOL);

const logger = new Logger('Database');

/**
 * The service's pool. A database that goes away must never end the process:
 * node-postgres emits 'error' on an idle client whose connection dies (the
 * pool re-emits it) and on a checked-out client between two queries, and an
 * 'error' event nobody listens to is fatal. Both are logged; the query in
 * hand fails on its own and the caller (a consumer's backoff, an HTTP 503)
 * decides what to do. A connect that cannot get a connection fails after
 * `connectionTimeoutMillis` instead of waiting forever.
 */
export function createPool(url: string, max: number, extra: { applicationName?: string; options?: string } = {}): Pool {
  const pool = new Pool({
    connectionString: url,
    max,
    application_name: extra.applicationName ?? 'orderflow',
    options: extra.options,
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
  });
  pool.on('error', (error) => logger.warn(`idle connection lost: ${error.message}`));
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.warn(`connection lost: ${error.message}`));
  });
  return pool;
}

@Injectable()
export class PoolCloser implements OnApplicationShutdown {
  constructor(@InjectPool() private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
