import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import { type Mailer, type OutgoingEmail, SmtpRejectedError, SmtpUnavailableError } from './mailer.port';

export interface SmtpMailerOptions {
  /** smtp://host:port or smtps://user:pass@host:port */
  url: string;
  from: string;
  /** Longest wait to connect, for the greeting, and for any answer. */
  timeoutMs: number;
  /** Pooled connections: one per send the sender keeps in flight. */
  maxConnections: number;
}

/** Failures that are ours, not the server's: retrying sends the same broken message. */
const permanentCodes = new Set(['ECONFIG', 'EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS']);

/**
 * Sends through nodemailer's pooled SMTP transport (connections are reused
 * across emails). nodemailer's default time-outs are minutes long; ours are
 * short, so a hung server becomes a retry instead of a stuck partition.
 */
export class SmtpMailer implements Mailer, OnApplicationShutdown {
  private readonly transport: Transporter;
  private readonly logger = new Logger('SmtpMailer');

  constructor(options: SmtpMailerOptions) {
    this.transport = nodemailer.createTransport(
      {
        url: options.url,
        pool: true,
        maxConnections: options.maxConnections,
        connectionTimeout: options.timeoutMs,
        greetingTimeout: options.timeoutMs,
        socketTimeout: options.timeoutMs,
      },
      { from: options.from },
    );
    // An 'error' event nobody listens to would end the process; a failed send already rejects its own promise.
    this.transport.on('error', (error) => this.logger.warn(`SMTP transport: ${error.message}`));
  }

  async send(email: OutgoingEmail): Promise<void> {
    try {
      await this.transport.sendMail({ ...email });
    } catch (error) {
      throw classify(error, email);
    }
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }
}

function classify(error: unknown, email: OutgoingEmail): Error {
  const { code, responseCode, message } = error as { code?: string; responseCode?: number; message?: string };
  const what = `sending ${email.messageId} to ${email.to}: ${code ?? 'error'} ${message ?? String(error)}`;
  const permanent = responseCode === undefined ? permanentCodes.has(code ?? '') : responseCode >= 500;
  return permanent ? new SmtpRejectedError(what) : new SmtpUnavailableError(what);
}
