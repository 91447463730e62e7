import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { OrderConfirmedV1, OrderPlacedV1, PaymentRefundedV1, parseEvent } from '@orderflow/events';
import { inTransaction, isTransient } from '@orderflow/messaging';
import type { Pool } from 'pg';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { anOrderPlaced } from '../../../test/support/event.factory';
import { aPaymentRefunded, anOrderConfirmed } from '../../../test/support/follow-up-events.factory';
import { emailsWithMessageId } from '../../../test/support/maildev';
import { freshDatabase } from '../../../test/support/test-database';
import { waitUntil } from '../../../test/support/wait-until';
import { type Clock, randomIds } from '@orderflow/platform';
import { EmailNotifications, RecipientUnknownError } from '../src/application/email.notifications';
import type { NotificationEvent } from '../src/domain/email.selection';
import { SmtpRejectedError, SmtpUnavailableError } from '../src/smtp/mailer.port';
import { SmtpMailer } from '../src/smtp/smtp.mailer';
import { TemplateRenderer } from '../src/templating/template.renderer';

/**
 * The application layer against a fresh email database and the stack's real
 * SMTP server (MailDev, read back through its API by Message-ID). Each
 * notification runs in a transaction like the consumer's. No Kafka here.
 */
const stack = loadStackConfig();
const now = new Date('2026-11-24T10:00:00.000Z');
const clock: Clock = { now: () => now };
const renderer = TemplateRenderer.load();

let db: { url: string; pool: Pool };
const mailers: SmtpMailer[] = [];
const mailerAt = (url: string, timeoutMs = 5_000) => {
  const mailer = new SmtpMailer({ url, from: 'Orderflow <orders@orderflow.local>', timeoutMs, maxConnections: 2 });
  mailers.push(mailer);
  return mailer;
};
const notificationsVia = (url: string, timeoutMs?: number) =>
  new EmailNotifications(mailerAt(url, timeoutMs), renderer, clock, randomIds);

let notifications: EmailNotifications;
beforeAll(async () => {
  db = await freshDatabase('email_notifications_test', 'email');
  notifications = notificationsVia(stack.smtp.url);
});
afterAll(async () => {
  for (const mailer of mailers) mailer.onApplicationShutdown();
  await db.pool.end();
});

const notify = (event: NotificationEvent, using = notifications) =>
  inTransaction(db.pool, (tx) => using.notify(tx, event));
const recordedFor = async (orderId: string) =>
  (await db.pool.query('SELECT * FROM emails WHERE order_id = $1 ORDER BY sent_at', [orderId])).rows;
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

const anOrder = (customerEmail = 'ada@example.com') => OrderPlacedV1.parse(anOrderPlaced({ customerEmail }));

describe('email notifications', () => {
  it('sends one email for an OrderPlaced, with the Message-ID derived from the event id, and records it', async () => {
    const placed = anOrder('grace@example.com');
    const messageId = `<${placed.eventId}@orderflow.local>`;

    await notify(placed);

    const [email, ...others] = await received(messageId);
    expect(others).toEqual([]);
    expect(email?.to.map((t) => t.address)).toEqual(['grace@example.com']);
    expect(email?.subject).toBe(`We received your order ${placed.aggregateId.slice(0, 8).toUpperCase()}`);
    expect(email?.text).toContain('Total: €25.00');
    expect(email?.html).toContain('<strong>€25.00</strong>');
    expect(email?.headers['x-orderflow-event-id']).toBe(placed.eventId);
    expect(await recordedFor(placed.aggregateId)).toEqual([
      {
        event_id: placed.eventId,
        order_id: placed.aggregateId,
        kind: 'ORDER_RECEIVED',
        recipient: 'grace@example.com',
        message_id: messageId,
        sent_at: now,
      },
    ]);
    expect(await outboxOf(placed.aggregateId)).toEqual([
      {
        eventId: expect.any(String),
        type: 'EmailSent',
        schemaVersion: 1,
        aggregateType: 'email',
        aggregateId: placed.aggregateId,
        aggregateVersion: 1,
        occurredAt: now.toISOString(),
        correlationId: placed.correlationId,
        causationId: placed.eventId,
        payload: { kind: 'ORDER_RECEIVED', to: 'grace@example.com', messageId, triggeredBy: placed.eventId },
      },
    ]);
  });

  it("writes later emails to the address the order's OrderPlaced gave, numbering the order's EmailSent stream", async () => {
    const placed = anOrder('ada@example.com');
    const confirmed = OrderConfirmedV1.parse(anOrderConfirmed(placed));
    const refunded = PaymentRefundedV1.parse(aPaymentRefunded(placed, { amountCents: 2500, currency: 'EUR' }));

    await notify(placed);
    await notify(confirmed);
    await notify(refunded);

    const [refundEmail] = await received(`<${refunded.eventId}@orderflow.local>`);
    expect(refundEmail?.to.map((t) => t.address)).toEqual(['ada@example.com']);
    expect(refundEmail?.text).toContain('We refunded €25.00');
    expect((await recordedFor(placed.aggregateId)).map((r) => r.kind)).toEqual([
      'ORDER_RECEIVED',
      'ORDER_CONFIRMED',
      'REFUND_ISSUED',
    ]);
    const sent = await outboxOf(placed.aggregateId);
    expect(sent.map((e) => [e.aggregateVersion, e.causationId])).toEqual([
      [1, placed.eventId],
      [2, confirmed.eventId],
      [3, refunded.eventId],
    ]);
  });

  it('fails transiently, sending nothing, for an order whose OrderPlaced it has not seen', async () => {
    const placed = anOrder();
    const confirmed = OrderConfirmedV1.parse(anOrderConfirmed(placed));

    const attempt = notify(confirmed);

    await expect(attempt).rejects.toThrow(RecipientUnknownError);
    expect(isTransient(await attempt.catch((e: unknown) => e))).toBe(true);
    expect(await emailsWithMessageId(`<${confirmed.eventId}@orderflow.local>`)).toEqual([]);
    expect(await recordedFor(placed.aggregateId)).toEqual([]);
  });

  describe('when the SMTP server is away or says no', () => {
    let closedPort: number;
    let silent: Server;
    let silentPort: number;
    let rejecting: Server;
    let rejectingPort: number;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      // A port that was just free: nothing listens there.
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      closedPort = (probe.address() as AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));
      // A server that accepts connections and never says a word.
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      silentPort = (silent.address() as AddressInfo).port;
      // A server that refuses every recipient for good (550), as SMTP servers do for unknown mailboxes.
      rejecting = createServer((socket) => {
        sockets.push(socket);
        socket.write('220 rejecting.test ESMTP\r\n');
        socket.on('data', (data) => {
          const command = data.toString().slice(0, 4).toUpperCase();
          if (command === 'QUIT') socket.end('221 bye\r\n');
          else socket.write(command === 'RCPT' ? '550 5.1.1 no such mailbox\r\n' : '250 ok\r\n');
        });
      });
      await new Promise<void>((resolve) => rejecting.listen(0, '127.0.0.1', resolve));
      rejectingPort = (rejecting.address() as AddressInfo).port;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
      await new Promise((resolve) => rejecting.close(resolve));
    });

    it.each([
      ['refuses connections', () => `smtp://127.0.0.1:${closedPort}`],
      ['never greets (time-out)', () => `smtp://127.0.0.1:${silentPort}`],
    ])('fails transiently when it %s, and records nothing', async (_, url) => {
      const placed = anOrder();

      const attempt = notify(placed, notificationsVia(url(), 500));

      await expect(attempt).rejects.toThrow(SmtpUnavailableError);
      expect(isTransient(await attempt.catch((e: unknown) => e))).toBe(true);
      expect(await recordedFor(placed.aggregateId)).toEqual([]);
      expect(await outboxOf(placed.aggregateId)).toEqual([]);
      const { rowCount } = await db.pool.query('SELECT 1 FROM order_recipients WHERE order_id = $1', [
        placed.aggregateId,
      ]);
      expect(rowCount).toBe(0);
    });

    it('fails for good, to be dead-lettered at once, when it rejects the message with a 5xx answer', async () => {
      const placed = anOrder();

      const attempt = notify(placed, notificationsVia(`smtp://127.0.0.1:${rejectingPort}`, 2_000));

      await expect(attempt).rejects.toThrow(SmtpRejectedError);
      await expect(attempt).rejects.toThrow(/550 5\.1\.1 no such mailbox/);
      expect(isTransient(await attempt.catch((e: unknown) => e))).toBe(false);
      expect(await recordedFor(placed.aggregateId)).toEqual([]);
    });
  });
});
