import { type DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@orderflow/platform';
import { EmailNotifications } from './application/email.notifications';
import { EMAIL_CONFIG, type EmailConfig } from './config/email.config';
import { EmailsHttpController } from './http/emails.http.controller';
import { notificationConsumer } from './messaging/notification.consumer';
import { MAILER } from './smtp/mailer.port';
import { SmtpMailer } from './smtp/smtp.mailer';
import { TemplateRenderer } from './templating/template.renderer';

@Module({})
export class AppModule {
  static forConfig(config: EmailConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService(config)],
      controllers: [EmailsHttpController],
      providers: [
        { provide: EMAIL_CONFIG, useValue: config },
        // Read and compiled at start: a missing or broken template stops the service there.
        { provide: TemplateRenderer, useFactory: () => TemplateRenderer.load() },
        {
          provide: MAILER,
          useFactory: () =>
            new SmtpMailer({
              url: config.SMTP_URL,
              from: config.EMAIL_FROM,
              timeoutMs: config.SMTP_TIMEOUT_MS,
              maxConnections: config.EMAIL_CONSUMER_CONCURRENCY,
            }),
        },
        EmailNotifications,
        notificationConsumer,
      ],
    };
  }
}
