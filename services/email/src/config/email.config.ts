import { hostname } from 'node:os';
import { Topics } from '@orderflow/events';
import { ServiceEnv, loadServiceConfig } from '@orderflow/platform';
import { z } from 'zod';
import type { EmailSenderOptions } from '../application/email.sender';

/**
 * The email service's configuration, validated at start. Topic, group and
 * dead-letter names default to the real ones; tests point a consumer at
 * topics of their own (nothing but the orders service may write to orders.events).
 */
export const EmailEnv = ServiceEnv.extend({
  SERVICE_NAME: ServiceEnv.shape.SERVICE_NAME.default('email'),
  /** The SMTP server, e.g. smtp://127.0.0.1:11025 (the stack passes MailDev's). */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }),
  /** Longest wait for the SMTP server to accept a connection, greet, or answer: a hang becomes a retry. */
  SMTP_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  EMAIL_FROM: z.string().min(3).default('Orderflow <orders@orderflow.local>'),
  ORDERS_EVENTS_TOPIC: z.string().min(1).default(Topics.ordersEvents),
  PAYMENTS_EVENTS_TOPIC: z.string().min(1).default(Topics.paymentsEvents),
  EMAIL_DEAD_LETTER_TOPIC: z.string().min(1).default(Topics.emailDeadLetter),
  EMAIL_CONSUMER_GROUP: z.string().min(1).default('email.notifications'),
  /** Partitions the consumer handles at once (it only queues emails: their runs share one transaction). */
  EMAIL_CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(12).default(6),
  /**
   * The sender's identity: unique among running instances, kept across a
   * restart (default `<hostname>:<PORT>`), so a restarted instance sends at
   * once what it had claimed when it died instead of waiting for the leases.
   */
  EMAIL_SENDER_ID: z.string().min(1).optional(),
  /** Pooled SMTP connections, and so emails in flight at once. */
  EMAIL_SMTP_CONNECTIONS: z.coerce.number().int().min(1).max(32).default(8),
  /**
   * How long a claimed email is kept from other senders that cannot tell its
   * sender is gone: one cut off from the database (a dead sender's claims are
   * taken over within a poll interval, see SenderPresence). A send must end
   * well within it (checked against SMTP_TIMEOUT_MS below).
   */
  EMAIL_SEND_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  /** How often the sender looks for due emails when nothing wakes it (backoffs ending, other instances). */
  EMAIL_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /** Backoff after a transient SMTP failure (refused, time-out, 4xx): doubles from this… */
  EMAIL_RETRY_INITIAL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /** …up to this. */
  EMAIL_RETRY_MAX_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** On SIGTERM, the longest wait for the sends in flight and their records (below the stack's 15 s grace). */
  EMAIL_STOP_TIMEOUT_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
})
  .refine((env) => env.EMAIL_SEND_LEASE_MS >= 4 * env.SMTP_TIMEOUT_MS, {
    path: ['EMAIL_SEND_LEASE_MS'],
    message: 'must be at least 4 × SMTP_TIMEOUT_MS: a send (connect, greeting, answers) must end within its lease',
  })
  .refine((env) => env.EMAIL_RETRY_MAX_MS >= env.EMAIL_RETRY_INITIAL_MS, {
    path: ['EMAIL_RETRY_MAX_MS'],
    message: 'must be at least EMAIL_RETRY_INITIAL_MS',
  });
export type EmailConfig = z.infer<typeof EmailEnv>;
export const loadEmailConfig = (env: NodeJS.ProcessEnv = process.env): EmailConfig => loadServiceConfig(EmailEnv, env);

/** The sender's settings: a send may take up to three SMTP time-outs (connect, greeting, an answer). */
export const senderOptionsOf = (config: EmailConfig): EmailSenderOptions => ({
  senderId: config.EMAIL_SENDER_ID ?? `${hostname()}:${config.PORT}`,
  connections: config.EMAIL_SMTP_CONNECTIONS,
  leaseMs: config.EMAIL_SEND_LEASE_MS,
  sendBudgetMs: 3 * config.SMTP_TIMEOUT_MS,
  pollIntervalMs: config.EMAIL_POLL_INTERVAL_MS,
  retry: { initialMs: config.EMAIL_RETRY_INITIAL_MS, maxMs: config.EMAIL_RETRY_MAX_MS },
  stopTimeoutMs: config.EMAIL_STOP_TIMEOUT_MS,
});

/** Nest token of the validated config. */
export const EMAIL_CONFIG = Symbol('EMAIL_CONFIG');
