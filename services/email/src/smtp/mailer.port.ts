import { TransientError } from '@orderflow/messaging';

/** One email, ready to go: the application renders it, the mailer delivers it. */
export interface OutgoingEmail {
  /** `<eventId@orderflow.local>`: the same email sent twice carries the same Message-ID. */
  messageId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

export interface Mailer {
  /** Resolves once the SMTP server accepted the message for delivery. */
  send(email: OutgoingEmail): Promise<void>;
}
export const MAILER = Symbol('MAILER');

/** The SMTP server refused the connection, timed out, or answered 4xx: the same send may succeed later. */
export class SmtpUnavailableError extends TransientError {
  override readonly name = 'SmtpUnavailableError';
}

/** The SMTP server rejected the message for good (5xx), or it could not be built: a retry changes nothing. */
export class SmtpRejectedError extends Error {
  override readonly name = 'SmtpRejectedError';
}
