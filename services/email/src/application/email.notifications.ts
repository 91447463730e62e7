import { Inject, Injectable } from '@nestjs/common';
import type { EmailSentV1 } from '@orderflow/events';
import { type Queryable, TransientError } from '@orderflow/messaging';
import { type EmailToSend, type NotificationEvent, emailFor } from '../domain/email.selection';
import { recordEmail } from '../persistence/email.store';
import { type Recipient, nextEmailTo, rememberRecipient } from '../persistence/order-recipient.store';
import { MAILER, type Mailer } from '../smtp/mailer.port';
import { TemplateRenderer } from '../templating/template.renderer';
import { CLOCK, type Clock, ID_GENERATOR, type IdGenerator } from '@orderflow/platform';

/**
 * The order's OrderPlaced has not been handled yet (an event of another topic
 * overtook it): retried with backoff, then dead-lettered.
 */
export class RecipientUnknownError extends TransientError {
  override readonly name = 'RecipientUnknownError';
}

/**
 * One customer-facing event → one email, inside the consumer's transaction
 * `tx` (one event per transaction): resolve the recipient → render → send over
 * SMTP → record the email and write EmailSent to the outbox; the consumer
 * commits. If the process dies after the SMTP server accepted the message and
 * before the commit, the event comes again and the email is sent again with
 * the same Message-ID (README: "Known risks").
 */
@Injectable()
export class EmailNotifications {
  constructor(
    @Inject(MAILER) private readonly mailer: Mailer,
    private readonly templates: TemplateRenderer,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async notify(tx: Queryable, event: NotificationEvent): Promise<void> {
    const email = emailFor(event);
    const recipient = await this.recipientOf(tx, email);
    const content = this.templates.render(email.kind, email.model);
    await this.mailer.send({
      messageId: email.messageId,
      to: recipient.to,
      ...content,
      headers: { 'X-Orderflow-Event-Id': event.eventId, 'X-Orderflow-Email-Kind': email.kind },
    });
    const sentAt = this.clock.now().toISOString();
    await recordEmail(
      tx,
      {
        eventId: event.eventId,
        orderId: email.orderId,
        kind: email.kind,
        to: recipient.to,
        messageId: email.messageId,
        sentAt,
      },
      this.emailSent(event, email, recipient, sentAt),
    );
  }

  private async recipientOf(tx: Queryable, email: EmailToSend): Promise<Recipient> {
    if (email.customerEmail !== undefined) return rememberRecipient(tx, email.orderId, email.customerEmail);
    const recipient = await nextEmailTo(tx, email.orderId);
    if (!recipient) throw new RecipientUnknownError(`no customer address known for order ${email.orderId} yet`);
    return recipient;
  }

  private emailSent(
    cause: NotificationEvent,
    email: EmailToSend,
    recipient: Recipient,
    occurredAt: string,
  ): EmailSentV1 {
    return {
      eventId: this.ids.next(),
      type: 'EmailSent',
      schemaVersion: 1,
      aggregateType: 'email',
      aggregateId: email.orderId,
      aggregateVersion: recipient.position,
      occurredAt,
      correlationId: cause.correlationId,
      causationId: cause.eventId,
      payload: { kind: email.kind, to: recipient.to, messageId: email.messageId, triggeredBy: cause.eventId },
    };
  }
}
