import { type EmailSentV1, parseEvent } from '@orderflow/events';
import { describeError, traceparentOf } from '@orderflow/messaging';
import type { Clock } from '@orderflow/platform';
import { type EmailToSend, type NotificationEvent, emailFor, isNotificationEvent } from '../domain/email.selection';
import type { ClaimedEmail } from '../persistence/email.store';
import { type Mailer, SmtpRejectedError } from '../smtp/mailer.port';
import type { RenderedEmail, TemplateRenderer } from '../templating/template.renderer';

/** Why an email is given up for good: the dead letter's `dlq.code`. */
export type RejectionCode = 'SMTP_REJECTED' | 'TEMPLATE_FAILED' | 'EVENT_UNREADABLE';

export type DeliveryOutcome =
  /** The SMTP server accepted it: record SENT with this EmailSent (in the send's trace). */
  | { kind: 'sent'; email: ClaimedEmail; sentAt: string; sent: EmailSentV1; traceparent: string | null }
  /** Refused connection, time-out, 4xx: the same email may go later. */
  | { kind: 'unavailable'; email: ClaimedEmail; reason: string }
  /** A 5xx answer, or an email that cannot be built: trying again changes nothing. */
  | { kind: 'rejected'; email: ClaimedEmail; code: RejectionCode; reason: string };

/**
 * One claimed email: stored event → template model → rendered parts → SMTP,
 * with `Message-ID: <eventId@orderflow.local>`, so a second send of the same
 * email (after a crash) is recognisable as a copy by whoever receives it.
 * Touches no database: the sender records the outcome.
 */
export class EmailDelivery {
  constructor(
    private readonly mailer: Mailer,
    private readonly templates: TemplateRenderer,
    private readonly clock: Clock,
  ) {}

  async deliver(email: ClaimedEmail): Promise<DeliveryOutcome> {
    let event: NotificationEvent;
    let toSend: EmailToSend;
    try {
      event = notificationOf(email.event);
      toSend = emailFor(event);
    } catch (error) {
      return { kind: 'rejected', email, code: 'EVENT_UNREADABLE', reason: describeError(error) };
    }
    let content: RenderedEmail;
    try {
      content = this.templates.render(toSend.kind, toSend.model);
    } catch (error) {
      return { kind: 'rejected', email, code: 'TEMPLATE_FAILED', reason: describeError(error) };
    }
    try {
      await this.mailer.send({
        messageId: toSend.messageId,
        to: email.to,
        ...content,
        headers: { 'X-Orderflow-Event-Id': event.eventId, 'X-Orderflow-Email-Kind': toSend.kind },
      });
    } catch (error) {
      return error instanceof SmtpRejectedError
        ? { kind: 'rejected', email, code: 'SMTP_REJECTED', reason: error.message }
        : { kind: 'unavailable', email, reason: describeError(error) };
    }
    const sentAt = this.clock.now().toISOString();
    return { kind: 'sent', email, sentAt, sent: emailSent(event, toSend, email, sentAt), traceparent: traceparentOf() };
  }
}

function notificationOf(stored: unknown): NotificationEvent {
  const event = parseEvent(stored);
  if (!isNotificationEvent(event)) throw new Error(`${event.type} calls for no email`);
  return event;
}

/** The email's EmailSent: its id fixed at queue time, its version the email's position in the order's stream. */
function emailSent(cause: NotificationEvent, toSend: EmailToSend, email: ClaimedEmail, sentAt: string): EmailSentV1 {
  return {
    eventId: email.sentEventId,
    type: 'EmailSent',
    schemaVersion: 1,
    aggregateType: 'email',
    aggregateId: email.orderId,
    aggregateVersion: email.position,
    occurredAt: sentAt,
    correlationId: cause.correlationId,
    causationId: cause.eventId,
    payload: { kind: toSend.kind, to: email.to, messageId: toSend.messageId, triggeredBy: cause.eventId },
  };
}
