import type { EmailSentV1 } from '@orderflow/events';
import { type Queryable, prepared, withOutbox } from '@orderflow/messaging';
import { positionsIn } from '../domain/email.position';
import type { EmailKindName, NotificationEvent } from '../domain/email.selection';

/**
 * `emails` is the queue of emails to send and the record of those sent;
 * `order_recipients` holds each order's address (NULL until its OrderPlaced
 * is seen) and the last position of its email stream. Every statement here is
 * one round trip; the hot ones are prepared.
 */

/** An email to queue, in the consumer's transaction. */
export interface EmailToQueue {
  eventId: string;
  orderId: string;
  kind: EmailKindName;
  messageId: string;
  /** Only OrderPlaced's email names the address; the others wait for it. */
  customerEmail?: string;
  /** The triggering event, kept for rendering, EmailSent and a dead letter. */
  event: NotificationEvent;
  /** EmailSent's event id, fixed now so that recording the email twice cannot publish two. */
  sentEventId: string;
  /** The trace context of the consumer span of the triggering event. */
  traceparent: string | null;
}

/** A due email a sender claimed: its lease runs until `next_attempt_at`. */
export interface ClaimedEmail {
  eventId: string;
  orderId: string;
  to: string;
  /** The triggering event as stored (parsed again before use: the contract may have moved on since). */
  event: unknown;
  position: number;
  sentEventId: string;
  /** Claims so far, this one included. */
  attempts: number;
  traceparent: string | null;
}

/**
 * Upserts each order of the batch (its first address wins; `last_position`
 * grows by the positions the batch takes, under the row lock, taken in order-id
 * order so that two batches never wait on each other in a cycle) and inserts
 * the batch's emails at their positions (see domain/email.position.ts).
 */
const queue = prepared(
  'email.emails.queue',
  `WITH batch AS (
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::uuid[], $7::int[],
                          $11::text[])
       AS b(event_id, order_id, kind, message_id, event, sent_event_id, rank, traceparent)
   ), orders AS (
     SELECT * FROM unnest($8::uuid[], $9::text[], $10::int[]) AS o(order_id, address, added)
   ), positioned AS (
     INSERT INTO order_recipients AS r (order_id, customer_email, last_position)
     SELECT order_id, address, 1 + added FROM orders ORDER BY order_id
     ON CONFLICT (order_id) DO UPDATE
       SET customer_email = COALESCE(r.customer_email, EXCLUDED.customer_email),
           last_position = r.last_position + EXCLUDED.last_position - 1
     RETURNING r.order_id, r.customer_email, r.last_position
   )
   INSERT INTO emails (event_id, order_id, kind, message_id, event, sent_event_id, position, recipient, traceparent)
   SELECT b.event_id, b.order_id, b.kind, b.message_id, b.event, b.sent_event_id,
          CASE WHEN b.rank = 0 THEN 1 ELSE p.last_position - o.added + b.rank END, p.customer_email, b.traceparent
   FROM batch b JOIN positioned p USING (order_id) JOIN orders o USING (order_id)`,
);

/**
 * Addresses the emails of these orders that were queued before their
 * OrderPlaced was seen. A statement of its own, after `queue`: a transaction
 * that queued such an email for the same order concurrently has committed by
 * then (`queue` waited for its lock on the order's row), and only a new
 * statement's snapshot sees its rows — a CTE of `queue` itself would not, and
 * the email would wait for an address forever.
 */
const addressWaiting = prepared(
  'email.emails.address-waiting',
  `UPDATE emails e SET recipient = r.customer_email
   FROM order_recipients r
   WHERE r.order_id = ANY($1::uuid[]) AND e.order_id = r.order_id
     AND e.status = 'QUEUED' AND e.recipient IS NULL AND r.customer_email IS NOT NULL`,
);

/** Queues a batch's emails inside the caller's transaction: one statement, two when it brings addresses. */
export async function queueEmails(tx: Queryable, emails: readonly EmailToQueue[]): Promise<void> {
  if (emails.length === 0) return;
  const { ranks, orders } = positionsIn(emails);
  await tx.query(
    queue([
      emails.map((e) => e.eventId),
      emails.map((e) => e.orderId),
      emails.map((e) => e.kind),
      emails.map((e) => e.messageId),
      emails.map((e) => JSON.stringify(e.event)),
      emails.map((e) => e.sentEventId),
      ranks,
      orders.map((o) => o.orderId),
      orders.map((o) => o.address),
      orders.map((o) => o.added),
      emails.map((e) => e.traceparent),
    ]),
  );
  const addressed = orders.filter((o) => o.address !== null).map((o) => o.orderId);
  if (addressed.length > 0) await tx.query(addressWaiting([addressed]));
}

/**
 * Claims up to `limit` due emails whose address is known, and only the first
 * unsent email of each order (so an order's emails go out in stream order, one
 * at a time), skipping rows another sender is claiming right now. A claim
 * moves the row's `next_attempt_at` one lease ahead: nobody else claims it
 * before then. `excluding`: rows whose outcome this sender holds unrecorded.
 */
const claimStatement = prepared(
  'email.emails.claim',
  `UPDATE emails e
   SET next_attempt_at = now() + $2::integer * interval '1 millisecond', attempts = e.attempts + 1, claimed_by = $4
   WHERE e.event_id IN (
     SELECT c.event_id FROM emails c
     WHERE c.status = 'QUEUED' AND c.recipient IS NOT NULL AND c.next_attempt_at <= now()
       AND c.event_id <> ALL ($3::uuid[])
       AND NOT EXISTS (
         SELECT 1 FROM emails p
         WHERE p.order_id = c.order_id AND p.status = 'QUEUED'
           AND (p.position, p.event_id) < (c.position, c.event_id))
     ORDER BY c.next_attempt_at
     LIMIT $1
     FOR UPDATE SKIP LOCKED)
   RETURNING e.event_id, e.order_id, e.recipient, e.event, e.position, e.sent_event_id, e.attempts, e.traceparent`,
);

export async function claimDue(
  db: Queryable,
  claim: { limit: number; leaseMs: number; senderId: string; excluding: readonly string[] },
): Promise<ClaimedEmail[]> {
  const { rows } = await db.query<{
    event_id: string;
    order_id: string;
    recipient: string;
    event: unknown;
    position: number;
    sent_event_id: string;
    attempts: number;
    traceparent: string | null;
  }>(claimStatement([claim.limit, claim.leaseMs, claim.excluding, claim.senderId]));
  return rows.map((r) => ({
    eventId: r.event_id,
    orderId: r.order_id,
    to: r.recipient,
    event: r.event,
    position: r.position,
    sentEventId: r.sent_event_id,
    attempts: r.attempts,
    traceparent: r.traceparent,
  }));
}

/**
 * At a sender's start: the rows its predecessor under the same id claimed are
 * due at once. That predecessor is dead (ids are unique among running
 * senders), so waiting for its leases would only delay them.
 */
export async function releaseClaimsOf(db: Queryable, senderId: string): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE emails SET next_attempt_at = now()
     WHERE status = 'QUEUED' AND claimed_by = $1 AND next_attempt_at > now()`,
    [senderId],
  );
  return rowCount ?? 0;
}

const sent = prepared(
  'email.emails.sent',
  `UPDATE emails e SET status = 'SENT', sent_at = s.sent_at, last_error = NULL
   FROM unnest($1::uuid[], $2::timestamptz[]) AS s(event_id, sent_at)
   WHERE e.event_id = s.event_id AND e.status = 'QUEUED'`,
);

/**
 * Marks emails the SMTP server accepted as SENT, with their EmailSent outbox
 * rows, in one statement. An email recorded before (by another sender after
 * its lease ran out) fails the whole statement on the outbox key — EmailSent's
 * id is fixed per email — so no second EmailSent is published.
 */
export async function markSent(
  db: Queryable,
  emails: readonly { eventId: string; sentAt: string; sent: EmailSentV1; traceparent: string | null }[],
): Promise<void> {
  await db.query(
    withOutbox(
      sent([emails.map((e) => e.eventId), emails.map((e) => e.sentAt)]),
      emails.map((e) => e.sent),
      // Each EmailSent continues its own email's trace (the send's span), not whatever runs now.
      emails.map((e) => e.traceparent),
    ),
  );
}

const later = prepared(
  'email.emails.later',
  `UPDATE emails e
   SET next_attempt_at = now() + s.delay_ms * interval '1 millisecond', last_error = COALESCE(s.error, e.last_error)
   FROM unnest($1::uuid[], $2::integer[], $3::text[]) AS s(event_id, delay_ms, error)
   WHERE e.event_id = s.event_id AND e.status = 'QUEUED'`,
);

/** Hands claimed emails back, due again after `delayMs` (0: at once, e.g. on stop); `error` says why, if anything failed. */
export async function retryLater(
  db: Queryable,
  emails: readonly { eventId: string; delayMs: number; error: string | null }[],
): Promise<void> {
  await db.query(
    later([emails.map((e) => e.eventId), emails.map((e) => Math.round(e.delayMs)), emails.map((e) => e.error)]),
  );
}

export async function markRejected(db: Queryable, eventId: string, reason: string): Promise<void> {
  await db.query("UPDATE emails SET status = 'REJECTED', last_error = $2 WHERE event_id = $1 AND status = 'QUEUED'", [
    eventId,
    reason,
  ]);
}

export async function countQueued(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM emails WHERE status = 'QUEUED'");
  return rows[0]?.n ?? 0;
}
