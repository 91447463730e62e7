import type { Queryable } from '../db/transaction';
import { type DeadLetterIdentity, type TopicPosition, instantOf, positionLabel } from './dead-letter.record';

/** A dead letter that was put back on its source topic: when, and where it landed. */
export interface RedriveRecord {
  /**
   * `timestamp` is the dead letter's record timestamp; null for a redrive
   * recorded before it was kept (migration 1733100000000), which matches no letter.
   */
  deadLetter: TopicPosition & { timestamp: string | null };
  eventId: string | null;
  eventType: string | null;
  /** Partition and offset are null only inside the redrive's own, uncommitted transaction. */
  to: { topic: string; partition: number | null; offset: string | null };
  redrivenAt: string;
}

interface RedriveRow {
  dead_letter_topic: string;
  dead_letter_partition: number;
  dead_letter_offset: string;
  /** node-postgres reads the old rows' '-infinity' as the number -Infinity. */
  dead_letter_timestamp: Date | number;
  event_id: string | null;
  event_type: string | null;
  target_topic: string;
  target_partition: number | null;
  target_offset: string | null;
  redriven_at: Date;
}

const columns = `dead_letter_topic, dead_letter_partition, dead_letter_offset, dead_letter_timestamp, event_id,
  event_type, target_topic, target_partition, target_offset, redriven_at`;

/**
 * The dead letter's key as parameters $1–$4. The time goes as UTC text with
 * milliseconds, which timestamptz (microseconds) holds exactly: the row is
 * found again by the letter's own timestamp, whatever the session's time zone.
 */
const keyOf = (d: DeadLetterIdentity) => [d.topic, d.partition, d.offset, instantOf(d.timestamp)];

const whereKey = `dead_letter_topic = $1 AND dead_letter_partition = $2 AND dead_letter_offset = $3
  AND dead_letter_timestamp = $4::timestamptz`;

/**
 * Takes the dead letter's row, or finds it taken. A concurrent claim of the
 * same dead letter waits on the primary key until this transaction ends: it
 * then finds the row (committed: refused) or claims it (rolled back).
 */
export async function claimRedrive(
  tx: Queryable,
  claim: { deadLetter: DeadLetterIdentity; eventId: string | null; eventType: string | null; targetTopic: string },
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO dead_letter_redrives
       (dead_letter_topic, dead_letter_partition, dead_letter_offset, dead_letter_timestamp,
        event_id, event_type, target_topic)
     VALUES ($1, $2, $3, $4::timestamptz, $5, $6, $7)
     ON CONFLICT DO NOTHING`,
    [...keyOf(claim.deadLetter), claim.eventId, claim.eventType, claim.targetTopic],
  );
  return rowCount === 1;
}

/** Notes where the message landed, in the claim's transaction; the completed record. */
export async function completeRedrive(
  tx: Queryable,
  deadLetter: DeadLetterIdentity,
  to: TopicPosition,
): Promise<RedriveRecord> {
  const { rows } = await tx.query<RedriveRow>(
    `UPDATE dead_letter_redrives SET target_partition = $5, target_offset = $6
     WHERE ${whereKey}
     RETURNING ${columns}`,
    [...keyOf(deadLetter), to.partition, to.offset],
  );
  if (!rows[0]) throw new Error(`${positionLabel(deadLetter)} (${deadLetter.timestamp}): no claim to complete`);
  return toRecord(rows[0]);
}

export async function findRedrive(db: Queryable, deadLetter: DeadLetterIdentity): Promise<RedriveRecord | undefined> {
  const { rows } = await db.query<RedriveRow>(`SELECT ${columns} FROM dead_letter_redrives WHERE ${whereKey}`, [
    ...keyOf(deadLetter),
  ]);
  return rows[0] && toRecord(rows[0]);
}

/** Every redrive of a dead-letter topic's letters. */
export async function listRedrives(db: Queryable, deadLetterTopic: string): Promise<RedriveRecord[]> {
  const { rows } = await db.query<RedriveRow>(
    `SELECT ${columns} FROM dead_letter_redrives WHERE dead_letter_topic = $1
     ORDER BY dead_letter_partition, dead_letter_offset, dead_letter_timestamp`,
    [deadLetterTopic],
  );
  return rows.map(toRecord);
}

/**
 * Finds a dead letter's redrive among `redrives` (from `listRedrives`): the
 * one of the same position and record time. A redrive of an earlier letter
 * at the same position (a cluster since started empty) is not this letter's.
 */
export function redriveLookup(
  redrives: readonly RedriveRecord[],
): (letter: DeadLetterIdentity) => RedriveRecord | undefined {
  const keyed = (d: DeadLetterIdentity) => `${positionLabel(d)}@${instantOf(d.timestamp)}`;
  const byLetter = new Map<string, RedriveRecord>();
  for (const r of redrives) {
    const { timestamp } = r.deadLetter;
    if (timestamp !== null) byLetter.set(keyed({ ...r.deadLetter, timestamp }), r);
  }
  return (letter) => byLetter.get(keyed(letter));
}

const toRecord = (row: RedriveRow): RedriveRecord => ({
  deadLetter: {
    topic: row.dead_letter_topic,
    partition: row.dead_letter_partition,
    // bigint arrives from node-postgres as a string already.
    offset: String(row.dead_letter_offset),
    timestamp: row.dead_letter_timestamp instanceof Date ? row.dead_letter_timestamp.toISOString() : null,
  },
  eventId: row.event_id,
  eventType: row.event_type,
  to: {
    topic: row.target_topic,
    partition: row.target_partition,
    offset: row.target_offset === null ? null : String(row.target_offset),
  },
  redrivenAt: row.redriven_at.toISOString(),
});
