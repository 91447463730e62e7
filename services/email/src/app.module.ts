import { type DynamicModule, Module } from '@nestjs/common';
import type { KafkaClient } from '@orderflow/messaging';
import { CLOCK, type Clock, KAFKA, PG_POOL, PlatformModule, ReadinessRegistry } from '@orderflow/platform';
import type { Pool } from 'pg';
import { EMAIL_READS } from './application/email-reads.port';
import { EmailNotifications } from './application/email.notifications';
import { EmailSender } from './application/email.sender';
import { EMAIL_CONFIG, type EmailConfig, senderOptionsOf } from './config/email.config';
import { EmailsHttpController } from './http/emails.http.controller';
import { DEAD_LETTERS, type DeadLetters, KafkaDeadLetters } from './messaging/email.dead-letters';
import { NotificationConsumer } from './messaging/notification.consumer';
import { EmailPgReads } from './persistence/email.pg-reads';
import { MAILER, type Mailer } from './smtp/mailer.port';
import { SmtpMailer } from './smtp/smtp.mailer';
import { TemplateRenderer } from './templating/template.renderer';

@Module({})
export class AppModule {
  static forConfig(config: EmailConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService(config)],
      controllers: [EmailsHttpController, NotificationConsumer],
      providers: [
        { provide: EMAIL_CONFIG, useValue: config },
        // pg, not Prisma: measured at over 3× the CPU per read through Prisma (bench/results/reads.md).
        { provide: EMAIL_READS, inject: [PG_POOL], useFactory: (pool: Pool) => new EmailPgReads(pool) },
        // Read and compiled at start: a missing or broken template stops the service there.
        { provide: TemplateRenderer, useFactory: () => TemplateRenderer.load() },
        {
          provide: MAILER,
          useFactory: () =>
            new SmtpMailer({
              url: config.SMTP_URL,
              from: config.EMAIL_FROM,
              timeoutMs: config.SMTP_TIMEOUT_MS,
              maxConnections: config.EMAIL_SMTP_CONNECTIONS,
            }),
        },
        {
          provide: DEAD_LETTERS,
          inject: [KAFKA],
          useFactory: (kafka: KafkaClient) =>
            new KafkaDeadLetters(kafka, {
              topic: config.EMAIL_DEAD_LETTER_TOPIC,
              sourceTopics: { orders: config.ORDERS_EVENTS_TOPIC, payments: config.PAYMENTS_EVENTS_TOPIC },
              consumerGroup: config.EMAIL_CONSUMER_GROUP,
            }),
        },
        // Started once the app is up, stopped before the pool and the SMTP transport close.
        {
          provide: EmailSender,
          inject: [PG_POOL, MAILER, TemplateRenderer, DEAD_LETTERS, CLOCK, ReadinessRegistry],
          useFactory: (
            pool: Pool,
            mailer: Mailer,
            templates: TemplateRenderer,
            deadLetters: DeadLetters,
            clock: Clock,
            readiness: ReadinessRegistry,
          ) => {
            const sender = new EmailSender({ pool, mailer, templates, deadLetters, clock }, senderOptionsOf(config));
            // SMTP away: not ready, with the server's answer, while emails wait in the queue.
            readiness.register({
              name: 'email sender',
              readiness: () => {
                const status = sender.status();
                return { ready: !status.blocked, details: { ...status } };
              },
            });
            return sender;
          },
        },
        EmailNotifications,
      ],
    };
  }
}
