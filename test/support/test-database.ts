import { Client, Pool } from 'pg';
import { loadStackConfig, type ServiceName } from '../../infra/src/config/stack.config';
import { migrate } from '../../infra/src/provision/databases.provision';

/**
 * A throw-away database on the stack's Postgres, migrated like a service's
 * own, for tests that need tables but must not touch a service's data.
 */
export interface FreshDatabase {
  url: string;
  pool: Pool;
  /** Ends the pool and drops the database: benchmarks leave no big tables for autovacuum to chew on. */
  drop(): Promise<void>;
}

export async function freshDatabase(name: string, schemaOf: ServiceName): Promise<FreshDatabase> {
  const config = loadStackConfig();
  const admin = new Client({ connectionString: config.postgres.superuserUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(config.postgres.superuserUrl);
  url.pathname = `/${name}`;
  await migrate(config, {
    name: schemaOf,
    role: config.postgres.superuser,
    password: config.postgres.superuserPassword,
    url: url.toString(),
  });
  const pool = new Pool({ connectionString: url.toString(), max: 5 });
  const drop = async () => {
    await pool.end();
    const client = new Client({ connectionString: config.postgres.superuserUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  return { url: url.toString(), pool, drop };
}
