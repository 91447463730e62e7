import { Client } from 'pg';
import { loadStackConfig, serviceNames } from '../src/config/stack.config';

/**
 * Least privilege in Postgres: each service's role reaches its own database
 * only; the Debezium role reads the outbox and nothing else.
 */
const config = loadStackConfig();
const { databases } = config.postgres;

const connectAs = async (url: string) => {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
};
const urlFor = (base: string, changes: { user?: string; password?: string; db?: string }) => {
  const url = new URL(base);
  if (changes.user) url.username = changes.user;
  if (changes.password) url.password = changes.password;
  if (changes.db) url.pathname = `/${changes.db}`;
  return url.toString();
};

describe('database roles', () => {
  it.each(serviceNames)('%s connects to its own database', async (name) => {
    const client = await connectAs(databases[name].url);
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    await client.end();
    expect(rows[0]?.db).toBe(name);
  });

  it.each(serviceNames)("%s cannot connect to another service's database", async (name) => {
    const other = serviceNames.find((n) => n !== name) ?? 'orders';
    await expect(connectAs(urlFor(databases[name].url, { db: other }))).rejects.toThrow(/permission denied/);
  });

  it('debezium may read the outbox but no other table', async () => {
    const client = await connectAs(
      urlFor(databases.orders.url, { user: config.postgres.debeziumRole, password: config.postgres.debeziumPassword }),
    );
    try {
      await expect(client.query('SELECT count(*) FROM outbox')).resolves.toBeDefined();
      await expect(client.query('SELECT count(*) FROM schema_migrations')).rejects.toThrow(/permission denied/);
      const { rows } = await client.query<{ rolreplication: boolean }>(
        'SELECT rolreplication FROM pg_roles WHERE rolname = current_user',
      );
      expect(rows[0]?.rolreplication).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('each database publishes its outbox table, and only it, to Debezium', async () => {
    for (const name of serviceNames) {
      const client = await connectAs(databases[name].url);
      const { rows } = await client.query<{ table: string }>(
        "SELECT schemaname || '.' || tablename AS table FROM pg_publication_tables WHERE pubname = 'orderflow_outbox'",
      );
      await client.end();
      expect(rows.map((r) => r.table)).toEqual(['public.outbox']);
    }
  });
});
