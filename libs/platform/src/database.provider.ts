import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';

/** Nest token of the service's one `pg` Pool (its own database only). */
export const PG_POOL = Symbol('PG_POOL');
export const InjectPool = () => Inject(PG_POOL);

export const createPool = (url: string, max: number) =>
  new Pool({ connectionString: url, max, application_name: 'orderflow' });

@Injectable()
export class PoolCloser implements OnApplicationShutdown {
  constructor(@InjectPool() private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
