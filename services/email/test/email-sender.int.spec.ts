import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Headers, parseEvent } from '@orderflow/events';
import { Pool } from 'pg';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { anOrderPlaced } from '../../../test/support/event.factory';
import { aPaymentRefunded, anOrderConfirmed } from '../../../test/support/follow-up-events.factory';
import { TcpProxy } from '../../../test/support/tcp.proxy';
import { freshDatabase } from '../../../test/support/test-database';
import { createTestTopics } from '../../../test/support/test-topics';
import { TopicTail } from '../../../test/support/topic.tail';
import { waitUntil } from '../../../test/support/wait-until';
import { TemplateRenderer, templatesDir } from '../src/templating/template.renderer';
import { type TestSender, emailRow, messageIdOf, queueEmails, startSender } from './support/sender.fixture';
import { TestSmtpServer } from './support/test-smtp.server';

/**
 * The sender against a fresh email database, a real SMTP server in the test
 * process that can go away, answer 4xx/5xx or hold messages in flight, and a
 * real dead-letter topic. Emails are counted by Message-ID at the server.
 */
const stack = loadStackConfig();
const brokers = [stack.kafka.bootstrap];

let db: Awaited<ReturnType<typeof freshDatabase>>;
let topics: Awaited<ReturnType<typeof createTestTopics>>;
let deadLetterTopic: string;
let deadLetters: TopicTail;
let smtp: TestSmtpServer;
const senders: TestSender[] = [];
const sender = (options: Parameters<typeof startSender>[3] = {}, pool = db.pool, templates?: TemplateRenderer) => {
  const running = startSender(pool, smtp.url, { brokers, topic: deadLetterTopic }, options, { templates });
  senders.push(running);
  return running;
};

beforeAll(async () => {
  db = await freshDatabase('email_sender_test', 'email');
  topics = await createTestTopics(brokers, [{ purpose: 'email-sender-dlq', partitions: 1 }]);
  deadLetterTopic = topics.names[0]!;
  deadLetters = await TopicTail.start(brokers, deadLetterTopic);
  smtp = await TestSmtpServer.start();
});
afterEach(async () => {
  for (const running of senders.splice(0)) await running.close();
  smtp.answer = () => undefined;
  smtp.release();
  await smtp.start();
});
afterAll(async () => {
  await smtp?.stop();
  await deadLetters?.stop();
  await topics?.remove();
  await db?.drop();
});

const status = (eventId: string) => emailRow(db.pool, eventId).then((row) => row?.status);
const untilStatus = (eventId: string, expected: string, timeoutMs?: number) =>
  waitUntil(`email ${eventId} to be ${expected}`, async () => (await status(eventId)) === expected, timeoutMs);
const deadLettersFor = (eventId: string) => deadLetters.messages.filter((m) => m.headers[Headers.eventId] === eventId);

describe('email sender', () => {
  describe('when the SMTP server is away', () => {
    it('keeps the emails queued, reports itself blocked, dead-letters nothing, and sends each once when it is back', async () => {
      const orders = Array.from({ length: 5 }, () => anOrderPlaced());
      await smtp.stop();
      const { sender: s } = sender();

      await queueEmails(db.pool, orders);

      await waitUntil('the sender to report SMTP blocked', () => s.status().blocked && s.status());
      expect(s.status().reason).toMatch(/^SMTP: .*ECONNREFUSED/);
      const tried = await waitUntil('a try to be recorded', async () => {
        const row = await emailRow(db.pool, orders[0]!.eventId);
        return row?.last_error ? row : undefined;
      });
      expect(tried).toMatchObject({ status: 'QUEUED', last_error: expect.stringMatching(/ECONNREFUSED/) });

      await smtp.start();

      for (const order of orders) await untilStatus(order.eventId, 'SENT');
      expect(orders.map((o) => smtp.countOf(messageIdOf(o)))).toEqual([1, 1, 1, 1, 1]);
      expect(s.status()).toMatchObject({ blocked: false });
      expect(orders.flatMap((o) => deadLettersFor(o.eventId))).toEqual([]);
    });

    it('treats a server that never answers (time-out) as away: queued, blocked, no dead letter', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const url = `smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const placed = anOrderPlaced();
      try {
        const running = startSender(db.pool, url, { brokers, topic: deadLetterTopic });
        senders.push(running);

        await queueEmails(db.pool, [placed]);

        const row = await waitUntil('the time-out to be recorded', async () => {
          const current = await emailRow(db.pool, placed.eventId);
          return current?.last_error ? current : undefined;
        });
        expect(row).toMatchObject({ status: 'QUEUED', last_error: expect.stringMatching(/SmtpUnavailableError/) });
        expect(running.sender.status()).toMatchObject({ blocked: true, reason: expect.stringMatching(/^SMTP: /) });
        expect(deadLettersFor(placed.eventId)).toEqual([]);
        await running.close();
        senders.splice(senders.indexOf(running), 1);
        // Left queued, for the next sender: the one in this file sends it to the real server.
        sender();
        await untilStatus(placed.eventId, 'SENT');
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it('retries a 4xx answer (mailbox busy) with backoff and sends the email once the server takes it', async () => {
      const placed = anOrderPlaced({ customerEmail: 'busy@example.com' });
      smtp.answer = (address) => (address === 'busy@example.com' ? { code: 450, message: 'mailbox busy' } : undefined);
      const { sender: s } = sender();

      await queueEmails(db.pool, [placed]);

      const row = await waitUntil('two tries', async () => {
        const current = await emailRow(db.pool, placed.eventId);
        return current && current.attempts >= 2 && current;
      });
      expect(row).toMatchObject({ status: 'QUEUED', last_error: expect.stringMatching(/450 mailbox busy/) });
      expect(s.status()).toMatchObject({ blocked: true });
      smtp.answer = () => undefined;
      await untilStatus(placed.eventId, 'SENT');
      expect(smtp.countOf(messageIdOf(placed))).toBe(1);
      expect(deadLettersFor(placed.eventId)).toEqual([]);
    });
  });

  describe('when the email cannot be sent at all', () => {
    it('rejects it on a 5xx answer: REJECTED with the reason, one dead letter, and the other emails still go', async () => {
      const rejected = anOrderPlaced({ customerEmail: 'nobody@example.com' });
      const fine = anOrderPlaced({ customerEmail: 'somebody@example.com' });
      smtp.answer = (address) =>
        address === 'nobody@example.com' ? { code: 550, message: '5.1.1 no such mailbox' } : undefined;
      const { sender: s } = sender();

      await queueEmails(db.pool, [rejected, fine]);

      await untilStatus(rejected.eventId, 'REJECTED');
      await untilStatus(fine.eventId, 'SENT');
      expect(await emailRow(db.pool, rejected.eventId)).toMatchObject({
        attempts: 1,
        last_error: expect.stringMatching(/^SMTP_REJECTED: .*550 5\.1\.1 no such mailbox/),
      });
      // The dead letter is written before the row is marked REJECTED.
      expect(deadLettersFor(rejected.eventId)).toHaveLength(1);
      const dead = deadLettersFor(rejected.eventId)[0]!;
      expect(dead.key).toBe(rejected.aggregateId);
      expect(JSON.parse(dead.value!)).toEqual(parseEvent(rejected));
      expect(dead.headers).toMatchObject({
        [Headers.eventType]: 'OrderPlaced',
        [Headers.deadLetterCode]: 'SMTP_REJECTED',
        [Headers.deadLetterReason]: expect.stringMatching(/^SMTP_REJECTED: .*550 5\.1\.1 no such mailbox/),
        [Headers.deadLetterAttempts]: '1',
        [Headers.deadLetterFailedAt]: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        [Headers.deadLetterSourceTopic]: 'orders.events',
      });
      expect(s.status()).toMatchObject({ blocked: false });
    });

    it('rejects an email whose template cannot render, with the reason and a dead letter', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'email-templates-'));
      cpSync(templatesDir, dir, { recursive: true });
      const text = path.join(dir, 'refund-issued.text.hbs');
      writeFileSync(text, `${readFileSync(text, 'utf8')}\n{{noSuchField}}\n`);
      const placed = anOrderPlaced();
      const refunded = aPaymentRefunded(placed);
      try {
        sender({}, db.pool, TemplateRenderer.load(dir));

        await queueEmails(db.pool, [placed, refunded]);

        await untilStatus(refunded.eventId, 'REJECTED');
        expect((await emailRow(db.pool, refunded.eventId))?.last_error).toMatch(/^TEMPLATE_FAILED: .*noSuchField/);
        await deadLetters.waitFor('the dead letter', () => deadLettersFor(refunded.eventId).length > 0);
        expect(deadLettersFor(refunded.eventId)[0]?.headers).toMatchObject({
          [Headers.deadLetterCode]: 'TEMPLATE_FAILED',
          [Headers.eventType]: 'PaymentRefunded',
          [Headers.deadLetterSourceTopic]: 'payments.events',
        });
        expect(smtp.countOf(messageIdOf(refunded))).toBe(0);
        expect(smtp.countOf(messageIdOf(placed))).toBe(1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('sends each email once with two senders on one database', async () => {
    const placed = Array.from({ length: 60 }, () => anOrderPlaced());
    const confirmed = placed.map((p) => anOrderConfirmed(p));
    const all = [...placed, ...confirmed];
    const first = sender({ connections: 3 });
    const second = sender({ connections: 3 });

    await queueEmails(db.pool, all);

    await waitUntil('every email sent', async () => {
      const { rows } = await db.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM emails WHERE event_id = ANY($1) AND status = 'SENT'",
        [all.map((e) => e.eventId)],
      );
      return rows[0]!.n === all.length;
    });
    const counts = all.map((e) => smtp.countOf(messageIdOf(e)));
    expect(counts.filter((n) => n !== 1)).toEqual([]);
    const { rows } = await db.pool.query<{ n: number; ids: number }>(
      "SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM outbox WHERE type = 'EmailSent' AND aggregateid = ANY($1)",
      [placed.map((p) => p.aggregateId)],
    );
    expect(rows[0]).toEqual({ n: all.length, ids: all.length });
    expect(first.sender.status().blocked || second.sender.status().blocked).toBe(false);
  });

  it('on stop, finishes and records the sends in flight and hands back the rest: nothing is sent twice', async () => {
    const orders = Array.from({ length: 8 }, () => anOrderPlaced());
    smtp.hold();
    const first = sender({ connections: 2 });
    await queueEmails(db.pool, orders);
    await waitUntil('two sends in flight', () => smtp.inFlight === 2);

    const stopped = first.sender.stop();
    smtp.release();
    await stopped;

    const statuses = await Promise.all(orders.map((o) => status(o.eventId)));
    expect(statuses.filter((s) => s === 'SENT')).toHaveLength(2);
    const handedBack = orders.filter((_, i) => statuses[i] === 'QUEUED');
    expect(handedBack).toHaveLength(6);
    for (const order of handedBack) {
      expect((await emailRow(db.pool, order.eventId))!.next_attempt_at.getTime()).toBeLessThanOrEqual(Date.now());
    }

    sender();
    for (const order of orders) await untilStatus(order.eventId, 'SENT');
    expect(orders.map((o) => smtp.countOf(messageIdOf(o)))).toEqual(orders.map(() => 1));
  });

  it('keeps an accepted send whose record fails (database away) and records it when the database is back, never sending it again', async () => {
    const proxy = await TcpProxy.start(TcpProxy.targetOf(db.url));
    const pool = new Pool({ connectionString: proxy.via(db.url), max: 3 });
    pool.on('error', () => undefined);
    const orders = Array.from({ length: 3 }, () => anOrderPlaced());
    try {
      smtp.hold();
      const { sender: s } = sender({ connections: 3 }, pool);
      await queueEmails(db.pool, orders);
      await waitUntil('three sends in flight', () => smtp.inFlight === 3);

      await proxy.cut();
      smtp.release();

      await waitUntil('the sender to report the database', () => s.status().unrecorded === 3 && s.status().blocked);
      expect(s.status().reason).toMatch(/database/);
      expect(await Promise.all(orders.map((o) => status(o.eventId)))).toEqual(['QUEUED', 'QUEUED', 'QUEUED']);

      await proxy.restore();

      for (const order of orders) await untilStatus(order.eventId, 'SENT');
      await waitUntil('the sender to unblock', () => !s.status().blocked);
      expect(orders.map((o) => smtp.countOf(messageIdOf(o)))).toEqual([1, 1, 1]);
    } finally {
      for (const running of senders.splice(0)) await running.close();
      await pool.end();
      await proxy.stop();
    }
  });
});
