import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { type ServiceDatabase, type StackConfig, serviceNames } from '../config/stack.config';

const run = promisify(execFile);

/** The publication Debezium reads, in every service database: the outbox table and nothing else. */
export const OUTBOX_PUBLICATION = 'orderflow_outbox';

/**
 * One database and one role per service, each role able to reach only its own
 * database; a Debezium role that may replicate and read the outbox tables only.
 * Runs as the superuser and is safe to repeat.
 */
export async function provisionDatabases(
  config: StackConfig,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  const { postgres } = config;
  await withClient(postgres.superuserUrl, async (db) => {
    await ensureRole(db, postgres.debeziumRole, postgres.debeziumPassword, 'LOGIN REPLICATION');
    for (const name of serviceNames) {
      const svc = postgres.databases[name];
      await ensureRole(db, svc.role, svc.password, 'LOGIN');
      const exists = await db.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) await db.query(`CREATE DATABASE ${ident(name)} OWNER ${ident(svc.role)}`);
      await db.query(`REVOKE ALL ON DATABASE ${ident(name)} FROM PUBLIC`);
      await db.query(`GRANT CONNECT ON DATABASE ${ident(name)} TO ${ident(postgres.debeziumRole)}`);
    }
    // Statement counts across every database, read as the superuser (the benchmarks' Postgres profile).
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    // Nobody but the superuser wanders into the maintenance databases.
    await db.query('REVOKE CONNECT ON DATABASE postgres FROM PUBLIC');
    await db.query('REVOKE CONNECT ON DATABASE template1 FROM PUBLIC');
  });

  for (const name of serviceNames) {
    const svc = postgres.databases[name];
    await migrate(config, svc);
    log(`database ${name}: migrated`);
    await exposeOutboxToDebezium(config, svc);
  }
}

/**
 * Applies a service's SQL migrations as the service's own role: the messaging
 * tables every service has (libs/messaging/migrations: outbox, inbox), then its
 * own (services/<name>/migrations), in the order of their timestamp prefixes.
 */
export async function migrate(config: StackConfig, svc: ServiceDatabase): Promise<void> {
  const bin = require.resolve('node-pg-migrate/bin/node-pg-migrate');
  const dirs = [path.join('libs', 'messaging', 'migrations'), path.join('services', svc.name, 'migrations')];
  const globs = dirs.map((dir) => `${dir}/*.sql`);
  try {
    await run(
      process.execPath,
      [
        bin,
        'up',
        '--use-glob',
        '-m',
        `{${globs.join(',')}}`,
        '-j',
        'sql',
        '--migrations-table',
        'schema_migrations',
        '--no-verbose',
      ],
      { cwd: config.repoRoot, env: { ...process.env, DATABASE_URL: svc.url } },
    );
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`migrations of ${svc.name} failed: ${e.stderr || e.stdout || e.message}`);
  }
}

async function exposeOutboxToDebezium(config: StackConfig, svc: ServiceDatabase): Promise<void> {
  const superuserUrl = new URL(config.postgres.superuserUrl);
  superuserUrl.pathname = `/${svc.name}`;
  const debezium = ident(config.postgres.debeziumRole);
  await withClient(superuserUrl.toString(), async (db) => {
    await db.query(`GRANT USAGE ON SCHEMA public TO ${debezium}`);
    await db.query(`GRANT SELECT ON public.outbox TO ${debezium}`);
    // Inserts only: the outbox is pruned with DELETE, and those deletes must not
    // reach Debezium (the EventRouter has nothing to route for them).
    const publication = ident(OUTBOX_PUBLICATION);
    const exists = await db.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [OUTBOX_PUBLICATION]);
    if (exists.rowCount === 0) {
      await db.query(`CREATE PUBLICATION ${publication} FOR TABLE public.outbox WITH (publish = 'insert')`);
    } else {
      await db.query(`ALTER PUBLICATION ${publication} SET (publish = 'insert')`);
    }
  });
}

async function ensureRole(db: Client, role: string, password: string, attributes: string): Promise<void> {
  const exists = await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  const verb = exists.rowCount === 0 ? 'CREATE' : 'ALTER';
  // Passwords can't be bind parameters in DDL; quote them as literals.
  await db.query(`${verb} ROLE ${ident(role)} WITH ${attributes} PASSWORD ${literal(password)}`);
}

export async function withClient<T>(url: string, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;
