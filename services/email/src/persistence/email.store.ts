import type { EmailSentV1 } from '@orderflow/events';
import { type Queryable, prepared, withOutbox } from '@orderflow/messaging';
import type { EmailKindName } from '../domain/email.selection';

/** `emails`: one row per email sent, keyed by the event that triggered it. */
export interface SentEmail {
  eventId: string;
  orderId: string;
  kind: EmailKindName;
  to: string;
  messageId: string;
  sentAt: string;
}

const insertEmail = prepared(
  'email.emails.insert',
  'INSERT INTO emails (event_id, order_id, kind, recipient, message_id, sent_at) VALUES ($1, $2, $3, $4, $5, $6)',
);

/** The email's row and its EmailSent outbox row, in one statement. */
export async function recordEmail(tx: Queryable, email: SentEmail, sent: EmailSentV1): Promise<void> {
  await tx.query(
    withOutbox(insertEmail([email.eventId, email.orderId, email.kind, email.to, email.messageId, email.sentAt]), [
      sent,
    ]),
  );
}

export async function emailsOfOrder(db: Queryable, orderId: string): Promise<Omit<SentEmail, 'orderId'>[]> {
  const { rows } = await db.query<{
    event_id: string;
    kind: EmailKindName;
    recipient: string;
    message_id: string;
    sent_at: Date;
  }>(
    'SELECT event_id, kind, recipient, message_id, sent_at FROM emails WHERE order_id = $1 ORDER BY sent_at, event_id',
    [orderId],
  );
  return rows.map((r) => ({
    eventId: r.event_id,
    kind: r.kind,
    to: r.recipient,
    messageId: r.message_id,
    sentAt: r.sent_at.toISOString(),
  }));
}
