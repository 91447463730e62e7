import type { Queryable } from '@orderflow/messaging';
import type { EmailReads, SentEmail } from '../application/email-reads.port';
import type { EmailKindName } from '../domain/email.selection';

/** The read side on `pg`: one SQL statement. */
export class EmailPgReads implements EmailReads {
  constructor(private readonly db: Queryable) {}

  async sentAbout(orderId: string): Promise<SentEmail[]> {
    const { rows } = await this.db.query<{
      event_id: string;
      kind: EmailKindName;
      recipient: string;
      message_id: string;
      sent_at: Date;
    }>(
      `SELECT event_id, kind, recipient, message_id, sent_at FROM emails
       WHERE order_id = $1 AND status = 'SENT' ORDER BY sent_at, event_id`,
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
}
