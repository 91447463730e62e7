import { Client, Pool } from 'pg';
import { loadStackConfig, type ServiceName } from '../../infra/src/config/stack.config';
import { migrate } from '../../infra/src/provision/databases.provision';

/**
 * A throw-away database on the stack's Postgres, migrated like a service's
 * own, for tests that need tables but must not touch a service's data.
 */
export async function freshDatabase(name: string, schemaOf: ServiceName): Promise<{ url: string; pool: Pool }> {
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
  return { url: url.toString(), pool: new Pool({ connectionString: url.toString(), max: 5 }) };
}
