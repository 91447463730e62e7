import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Queryable } from '@orderflow/messaging';

/**
 * A sender's presence in its database: one connection held for as long as the
 * sender runs, named after the sender. When the process dies, even by SIGKILL,
 * its kernel closes the socket and Postgres ends that session at once, so the
 * other senders can tell a dead sender's claims from a live one's without
 * waiting for the leases (see `releaseClaimsOfAbsentSenders`).
 *
 * Names are `email-sender <md5 of the sender id>`: Postgres cuts an
 * application_name at 63 bytes, and a host name alone can be longer.
 */
export class SenderPresence {
  private client: PoolClient | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly senderId: string,
  ) {}

  /** Whether the session is open, as far as this process knows (a lost socket is reported at once). */
  get present(): boolean {
    return this.client !== undefined;
  }

  /** Opens the session if it is not; false while the database is away. */
  async ensure(): Promise<boolean> {
    if (this.client) return true;
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch {
      return false;
    }
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.release(true);
    };
    try {
      await client.query("SELECT set_config('application_name', $1, false)", [presenceName(this.senderId)]);
    } catch {
      client.release(true);
      return false;
    }
    client.on('error', lost);
    client.on('end', lost);
    this.client = client;
    return true;
  }

  /** Ends the session: after the sender stopped, so its rows are handed back or recorded first. */
  end(): void {
    const client = this.client;
    this.client = undefined;
    client?.release(true);
  }
}

const PRESENCE_PREFIX = 'email-sender ';
export const presenceName = (senderId: string): string =>
  `${PRESENCE_PREFIX}${createHash('md5').update(senderId).digest('hex')}`;

/**
 * Makes due at once the queued emails claimed by a sender that has no
 * presence session in this database: it died (or was stopped) holding them,
 * and its leases would keep them back for nothing. Right after Postgres
 * itself started, every session is new and the live senders are still
 * reconnecting, so nothing is taken for `graceMs` after that.
 */
export async function releaseClaimsOfAbsentSenders(
  db: Queryable,
  releasing: { senderId: string; graceMs: number },
): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE emails SET next_attempt_at = now()
     WHERE status = 'QUEUED' AND next_attempt_at > now() AND claimed_by IS NOT NULL AND claimed_by <> $1
       AND pg_postmaster_start_time() < now() - $2::integer * interval '1 millisecond'
       AND $3 || md5(claimed_by) NOT IN (
         SELECT application_name FROM pg_stat_activity
         WHERE datname = current_database() AND application_name LIKE $3 || '%')`,
    [releasing.senderId, releasing.graceMs, PRESENCE_PREFIX],
  );
  return rowCount ?? 0;
}
