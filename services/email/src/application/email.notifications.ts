import { Inject, Injectable } from '@nestjs/common';
import type { Queryable } from '@orderflow/messaging';
import { ID_GENERATOR, type IdGenerator } from '@orderflow/platform';
import { type NotificationEvent, emailFor } from '../domain/email.selection';
import { queueEmails } from '../persistence/email.store';

/**
 * Customer-facing events → the emails they call for, queued inside the
 * consumer's transaction `tx` (one statement for the whole batch). Nothing is
 * sent here: SMTP cannot take part in the transaction, so the sender
 * (email.sender.ts) sends what was committed, and the inbox keeps a
 * redelivered event from queueing its email twice.
 */
@Injectable()
export class EmailNotifications {
  constructor(@Inject(ID_GENERATOR) private readonly ids: IdGenerator) {}

  /** `traceparentOf`: each event's consumer span, which its email's trace continues from. */
  async queue(
    tx: Queryable,
    events: readonly NotificationEvent[],
    traceparentOf: (eventId: string) => string | null = () => null,
  ): Promise<void> {
    await queueEmails(
      tx,
      events.map((event) => {
        const { kind, orderId, messageId, customerEmail } = emailFor(event);
        return {
          eventId: event.eventId,
          orderId,
          kind,
          messageId,
          customerEmail,
          event,
          sentEventId: this.ids.next(),
          traceparent: traceparentOf(event.eventId),
        };
      }),
    );
  }
}
