import type { Queryable } from '../db/transaction';
import type { TopicPosition } from './dead-letter.record';

/** A dead letter that was put back on its source topic: when, and where it landed. */
export interface RedriveRecord {
  deadLetter: TopicPosition;
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
  event_id: string | null;
  event_type: string | null;
  target_topic: string;
  target_partition: number | null;
  target_offset: string | null;
  redriven_at: Date;
}

const columns = `dead_letter_topic, dead_letter_partition, dead_letter_offset, event_id, event_type,
  target_topic, target_partition, target_offset, redriven_at`;

/**
 * Takes the dead letter's row, or finds it taken. A concurrent claim of the
 * same dead letter waits on the primary key until this transaction ends: it
 * then finds the row (committed: refused) or claims it (rolled back).
 */
export async function claimRedrive(
  tx: Queryable,
  claim: { deadLetter: TopicPosition; eventId: string | null; eventType: string | null; targetTopic: string },
): Promise<boolean> {
  const { deadLetter: d } = claim;
  const { rowCount } = await tx.query(
    `INSERT INTO dead_letter_redrives
       (dead_letter_topic, dead_letter_partition, dead_letter_offset, event_id, event_type, target_topic)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING`,
    [d.topic, d.partition, d.offset, claim.eventId, claim.eventType, claim.targetTopic],
  );
  return rowCount === 1;
}

/** Notes where the message landed, in the claim's transaction; the completed record. */
export async function completeRedrive(
  tx: Queryable,
  deadLetter: TopicPosition,
  to: TopicPosition,
): Promise<RedriveRecord> {
  const { rows } = await tx.query<RedriveRow>(
    `UPDATE dead_letter_redrives SET target_partition = $4, target_offset = $5
     WHERE dead_letter_topic = $1 AND dead_letter_partition = $2 AND dead_letter_offset = $3
     RETURNING ${columns}`,
    [deadLetter.topic, deadLetter.partition, deadLetter.offset, to.partition, to.offset],
  );
  if (!rows[0])
    throw new Error(`${deadLetter.topic}/${deadLetter.partition}/${deadLetter.offset}: no claim to complete`);
  return toRecord(rows[0]);
}

export async function findRedrive(db: Queryable, deadLetter: TopicPosition): Promise<RedriveRecord | undefined> {
  const { rows } = await db.query<RedriveRow>(
    `SELECT ${columns} FROM dead_letter_redrives
     WHERE dead_letter_topic = $1 AND dead_letter_partition = $2 AND dead_letter_offset = $3`,
    [deadLetter.topic, deadLetter.partition, deadLetter.offset],
  );
  return rows[0] && toRecord(rows[0]);
}

/** Every redrive of a dead-letter topic's letters. */
export async function listRedrives(db: Queryable, deadLetterTopic: string): Promise<RedriveRecord[]> {
  const { rows } = await db.query<RedriveRow>(
    `SELECT ${columns} FROM dead_letter_redrives WHERE dead_letter_topic = $1
     ORDER BY dead_letter_partition, dead_letter_offset`,
    [deadLetterTopic],
  );
  return rows.map(toRecord);
}

const toRecord = (row: RedriveRow): RedriveRecord => ({
  deadLetter: {
    topic: row.dead_letter_topic,
    partition: row.dead_letter_partition,
    // bigint arrives from node-postgres as a string already.
    offset: String(row.dead_letter_offset),
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
