import type { PrismaClient } from '../../../services/email/src/persistence/prisma/client';
import type { EmailReads, SentEmail } from '../../../services/email/src/application/email-reads.port';
import type { EmailKindName } from '../../../services/email/src/domain/email.selection';

/** The read side through the generated Prisma client: measured against the service's pg reads (reads.bench.ts), not run by the service. */
export class EmailPrismaReads implements EmailReads {
  constructor(private readonly prisma: PrismaClient) {}

  async sentAbout(orderId: string): Promise<SentEmail[]> {
    const rows = await this.prisma.email.findMany({
      where: { order_id: orderId, status: 'SENT' },
      orderBy: [{ sent_at: 'asc' }, { event_id: 'asc' }],
      select: { event_id: true, kind: true, recipient: true, message_id: true, sent_at: true },
    });
    return rows.map((r) => {
      // markSent sets sent_at, and only an addressed email is claimed and sent: a SENT row has both.
      if (r.recipient === null || r.sent_at === null)
        throw new Error(`email ${r.event_id} is SENT without recipient or sent_at`);
      return {
        eventId: r.event_id,
        // Written by queueEmails from EmailKindName only.
        kind: r.kind as EmailKindName,
        to: r.recipient,
        messageId: r.message_id,
        sentAt: r.sent_at.toISOString(),
      };
    });
  }
}
