import { Topics } from '@orderflow/events';
import { ServiceEnv, loadServiceConfig } from '@orderflow/platform';
import { z } from 'zod';

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
  /**
   * Partitions handled at once: each holds a database connection (and an SMTP
   * connection) while it works, so one slow or retried email never holds up the others.
   */
  EMAIL_CONSUMER_CONCURRENCY: z.coerce.number().int().min(2).max(12).default(4),
});
export type EmailConfig = z.infer<typeof EmailEnv>;
export const loadEmailConfig = (env: NodeJS.ProcessEnv = process.env): EmailConfig => loadServiceConfig(EmailEnv, env);

/** Nest token of the validated config. */
export const EMAIL_CONFIG = Symbol('EMAIL_CONFIG');
