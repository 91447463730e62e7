import type { EmailKindName } from '../domain/email.selection';

/** What `GET /emails` lists: an email actually sent. */
export interface SentEmail {
  eventId: string;
  kind: EmailKindName;
  to: string;
  messageId: string;
  sentAt: string;
}

/** The read side of email; its implementation is chosen by measurement (bench/results/reads.md). */
export interface EmailReads {
  /** The emails sent about an order, oldest first; queued and rejected ones are not listed. */
  sentAbout(orderId: string): Promise<SentEmail[]>;
}

export const EMAIL_READS = Symbol('EMAIL_READS');
