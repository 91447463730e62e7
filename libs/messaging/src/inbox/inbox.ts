import { prepared } from '../db/prepared';
import type { Queryable } from '../db/transaction';

const claim = prepared(
  'messaging.inbox.claim',
  `INSERT INTO processed_events (consumer_group, event_id)
   SELECT $1, unnest($2::uuid[])
   ON CONFLICT DO NOTHING
   RETURNING event_id`,
);

/**
 * The idempotent-consumer record: one `processed_events` row per (consumer
 * group, event id), inserted in the same transaction as the handler's effect.
 * A redelivered event finds its row and changes nothing; if the transaction
 * rolls back, the row goes with it and the event is processed again.
 *
 * Returns the ids claimed now, i.e. the ones not processed before.
 */
export async function claimEvents(
  tx: Queryable,
  consumerGroup: string,
  eventIds: readonly string[],
): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const { rows } = await tx.query<{ event_id: string }>(claim([consumerGroup, eventIds]));
  return new Set(rows.map((r) => r.event_id));
}
