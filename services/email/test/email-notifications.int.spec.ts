import { randomUUID } from 'node:crypto';
import { parseEvent } from '@orderflow/events';
import type { Pool } from 'pg';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { anOrderPlaced } from '../../../test/support/event.factory';
import { aPaymentRefunded, anOrderConfirmed } from '../../../test/support/follow-up-events.factory';
import { emailsWithMessageId } from '../../../test/support/maildev';
import { freshDatabase } from '../../../test/support/test-database';
import { waitUntil } from '../../../test/support/wait-until';
import { type TestSender, emailRow, messageIdOf, queueEmails, startSender } from './support/sender.fixture';

/**
 * The application as the consumer and the sender use it — emails queued in a
 * transaction like the consumer's, sent by a running sender — against a fresh
 * email database and the stack's real SMTP server (MailDev, read back through
 * its API by Message-ID). No Kafka here but the (unused) dead-letter producer.
 */
const stack = loadStackConfig();

let db: { url: string; pool: Pool };
let running: TestSender;
beforeAll(async () => {
  db = await freshDatabase('email_notifications_test', 'email');
  running = startSender(db.pool, stack.smtp.url, { brokers: [stack.kafka.bootstrap], topic: 'email.dlq' });
});
afterAll(async () => {
  await running?.close();
  await db?.pool.end();
});

const rowsOf = async (orderId: string) =>
  (
    await db.pool.query(
      `SELECT event_id, order_id, kind, recipient, message_id, status, position, sent_at
       FROM emails WHERE order_id = $1 ORDER BY position`,
      [orderId],
    )
  ).rows;
const outboxOf = async (orderId: string) =>
  (
    await db.pool.query<{ payload: unknown }>(
      'SELECT payload FROM outbox WHERE aggregateid = $1 ORDER BY aggregateversion',
      [orderId],
    )
  ).rows.map((r) => parseEvent(r.payload));
const received = (messageId: string) =>
  waitUntil(`MailDev to show ${messageId}`, async () => {
    const emails = await emailsWithMessageId(messageId);
    return emails.length > 0 && emails;
  });
const sent = (eventId: string) =>
  waitUntil(
    `email ${eventId} to be recorded as sent`,
    async () => (await emailRow(db.pool, eventId))?.status === 'SENT',
  );

describe('email notifications', () => {
  it('sends the email an OrderPlaced calls for, with the Message-ID derived from the event id, and records it SENT with its EmailSent', async () => {
    const placed = anOrderPlaced({ customerEmail: 'grace@example.com' });
    const messageId = messageIdOf(placed);

    await queueEmails(db.pool, [placed]);

    const [email, ...others] = await received(messageId);
    expect(others).toEqual([]);
    expect(email?.to.map((t) => t.address)).toEqual(['grace@example.com']);
    expect(email?.subject).toBe(`We received your order ${placed.aggregateId.slice(0, 8).toUpperCase()}`);
    expect(email?.text).toContain('Total: €25.00');
    expect(email?.html).toContain('<strong>€25.00</strong>');
    expect(email?.headers['x-orderflow-event-id']).toBe(placed.eventId);
    expect(email?.headers['x-orderflow-email-kind']).toBe('ORDER_RECEIVED');
    await sent(placed.eventId);
    const [row] = await rowsOf(placed.aggregateId);
    expect(row).toEqual({
      event_id: placed.eventId,
      order_id: placed.aggregateId,
      kind: 'ORDER_RECEIVED',
      recipient: 'grace@example.com',
      message_id: messageId,
      status: 'SENT',
      position: 1,
      sent_at: expect.any(Date),
    });
    const { sent_event_id } = (await emailRow(db.pool, placed.eventId))!;
    expect(await outboxOf(placed.aggregateId)).toEqual([
      {
        eventId: sent_event_id,
        type: 'EmailSent',
        schemaVersion: 1,
        aggregateType: 'email',
        aggregateId: placed.aggregateId,
        aggregateVersion: 1,
        occurredAt: (row.sent_at as Date).toISOString(),
        correlationId: placed.correlationId,
        causationId: placed.eventId,
        payload: { kind: 'ORDER_RECEIVED', to: 'grace@example.com', messageId, triggeredBy: placed.eventId },
      },
    ]);
  });

  it("writes later emails to the address the order's OrderPlaced gave, numbering the order's EmailSent stream", async () => {
    const placed = anOrderPlaced({ customerEmail: 'ada@example.com' });
    const confirmed = anOrderConfirmed(placed);
    const refunded = aPaymentRefunded(placed, { amountCents: 2500, currency: 'EUR' });

    await queueEmails(db.pool, [placed, confirmed]);
    await queueEmails(db.pool, [refunded]);

    const [refundEmail] = await received(messageIdOf(refunded));
    expect(refundEmail?.to.map((t) => t.address)).toEqual(['ada@example.com']);
    expect(refundEmail?.text).toContain('We refunded €25.00');
    await sent(refunded.eventId);
    const rows = await rowsOf(placed.aggregateId);
    expect(rows.map((r) => [r.kind, r.position, r.status])).toEqual([
      ['ORDER_RECEIVED', 1, 'SENT'],
      ['ORDER_CONFIRMED', 2, 'SENT'],
      ['REFUND_ISSUED', 3, 'SENT'],
    ]);
    // One at a time per order, in stream order.
    expect(rows.map((r) => (r.sent_at as Date).getTime())).toEqual(
      rows.map((r) => (r.sent_at as Date).getTime()).sort((a, b) => a - b),
    );
    const emailSent = await outboxOf(placed.aggregateId);
    expect(emailSent.map((e) => [e.aggregateVersion, e.causationId])).toEqual([
      [1, placed.eventId],
      [2, confirmed.eventId],
      [3, refunded.eventId],
    ]);
  });

  it("keeps an email whose order's OrderPlaced it has not seen, unsent, and sends it after the order-received email once it has", async () => {
    const placed = anOrderPlaced({ customerEmail: 'margaret@example.com' });
    const refunded = aPaymentRefunded(placed);
    const other = anOrderPlaced({ customerEmail: `other-${randomUUID()}@example.com` });

    await queueEmails(db.pool, [refunded, other]);
    // Due at the same time as the other order's email: once that one is sent, the sender has seen this one.
    await sent(other.eventId);
    expect(await emailRow(db.pool, refunded.eventId)).toMatchObject({ status: 'QUEUED', recipient: null, position: 2 });
    expect(await emailsWithMessageId(messageIdOf(refunded))).toEqual([]);

    await queueEmails(db.pool, [placed]);

    const [refundEmail] = await received(messageIdOf(refunded));
    expect(refundEmail?.to.map((t) => t.address)).toEqual(['margaret@example.com']);
    await sent(refunded.eventId);
    const rows = await rowsOf(placed.aggregateId);
    expect(rows.map((r) => [r.kind, r.position, r.status])).toEqual([
      ['ORDER_RECEIVED', 1, 'SENT'],
      ['REFUND_ISSUED', 2, 'SENT'],
    ]);
    expect((rows[0].sent_at as Date).getTime()).toBeLessThanOrEqual((rows[1].sent_at as Date).getTime());
    expect((await outboxOf(placed.aggregateId)).map((e) => [e.aggregateVersion, e.causationId])).toEqual([
      [1, placed.eventId],
      [2, refunded.eventId],
    ]);
  });

  it("keeps the first address an order was given: a second OrderPlaced's address does not replace it", async () => {
    const placed = anOrderPlaced({ customerEmail: 'first@example.com' });
    const again = anOrderPlaced({ customerEmail: 'second@example.com' }, { aggregateId: placed.aggregateId });
    const confirmed = anOrderConfirmed(placed);

    await queueEmails(db.pool, [placed]);
    await queueEmails(db.pool, [again, confirmed]);

    await sent(confirmed.eventId);
    const [confirmation] = await received(messageIdOf(confirmed));
    expect(confirmation?.to.map((t) => t.address)).toEqual(['first@example.com']);
  });
});
