import { Client } from 'pg';
import { loadStackConfig } from '../../infra/src/config/stack.config';

/**
 * What Postgres did over a stretch of a benchmark, from its own statistics
 * (read as the superuser): statements and commits per database
 * (pg_stat_statements, pg_stat_database) and the WAL written, flushed and
 * fsynced (pg_stat_wal; times need track_wal_io_timing, which the stack sets).
 * Commits are counted as backends report them (within about a second).
 */
export interface PostgresSnapshot {
  at: number;
  statements: Record<string, number>;
  commits: Record<string, number>;
  wal: { bytes: number; writes: number; syncs: number; writeMs: number; syncMs: number };
}

export interface PostgresProfile {
  seconds: number;
  statements: Record<string, number>;
  commits: Record<string, number>;
  walBytes: number;
  walSyncs: number;
  /** Time spent in WAL fsyncs, ms per second of the stretch. */
  walSyncMsPerSecond: number;
  walWriteMsPerSecond: number;
}

export class PostgresProfiler {
  private constructor(private readonly client: Client) {}

  static async connect(): Promise<PostgresProfiler> {
    const client = new Client({ connectionString: loadStackConfig().postgres.superuserUrl });
    await client.connect();
    return new PostgresProfiler(client);
  }

  async snapshot(): Promise<PostgresSnapshot> {
    const byDatabase = (rows: { db: string; n: string }[]) => Object.fromEntries(rows.map((r) => [r.db, Number(r.n)]));
    const statements = await this.client.query<{ db: string; n: string }>(
      `SELECT d.datname AS db, sum(s.calls) AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        GROUP BY d.datname`,
    );
    const commits = await this.client.query<{ db: string; n: string }>(
      'SELECT datname AS db, xact_commit AS n FROM pg_stat_database WHERE datname IS NOT NULL',
    );
    const { rows } = await this.client.query<Record<string, string>>(
      'SELECT wal_bytes, wal_write, wal_sync, wal_write_time, wal_sync_time FROM pg_stat_wal',
    );
    const wal = rows[0]!;
    return {
      at: Date.now(),
      statements: byDatabase(statements.rows),
      commits: byDatabase(commits.rows),
      wal: {
        bytes: Number(wal.wal_bytes),
        writes: Number(wal.wal_write),
        syncs: Number(wal.wal_sync),
        writeMs: Number(wal.wal_write_time),
        syncMs: Number(wal.wal_sync_time),
      },
    };
  }

  static between(from: PostgresSnapshot, to: PostgresSnapshot): PostgresProfile {
    const seconds = (to.at - from.at) / 1000;
    const delta = (a: Record<string, number>, b: Record<string, number>) =>
      Object.fromEntries(Object.entries(b).map(([db, n]) => [db, n - (a[db] ?? 0)]));
    return {
      seconds,
      statements: delta(from.statements, to.statements),
      commits: delta(from.commits, to.commits),
      walBytes: to.wal.bytes - from.wal.bytes,
      walSyncs: to.wal.syncs - from.wal.syncs,
      walSyncMsPerSecond: (to.wal.syncMs - from.wal.syncMs) / seconds,
      walWriteMsPerSecond: (to.wal.writeMs - from.wal.writeMs) / seconds,
    };
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** Per unit of work (an order, an event): statements and commits of the service databases, WAL bytes and fsyncs. */
export function formatPostgresProfile(profile: PostgresProfile, units: number, unit: string, databases: string[]) {
  const per = (n: number) => (n / units).toFixed(1);
  const each = (counts: Record<string, number>) => databases.map((db) => `${db} ${per(counts[db] ?? 0)}`).join(', ');
  return (
    `Postgres per ${unit}: statements ${each(profile.statements)}; commits ${each(profile.commits)}; ` +
    `${Math.round(profile.walBytes / units)} bytes of WAL; ${Math.round(profile.walSyncs / profile.seconds)} WAL fsyncs/s ` +
    `taking ${Math.round(profile.walSyncMsPerSecond)} ms per second (${per(profile.walSyncs)} per ${unit}), ` +
    `WAL writes ${Math.round(profile.walWriteMsPerSecond)} ms per second`
  );
}
