import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { anOrderPlaced } from '../../../test/support/event.factory';
import { freshDatabase } from '../../../test/support/test-database';
import { waitUntil } from '../../../test/support/wait-until';
import { type TestSender, messageIdOf, queueEmails, startSender } from './support/sender.fixture';
import { TestSmtpServer } from './support/test-smtp.server';

/**
 * The duplicate-email bound, measured: a sender killed with SIGKILL while its
 * sends are in flight. The SMTP server has taken those messages in full; the
 * sender never recorded them, so whoever takes its rows over sends them
 * again — its successor under the same sender id at once, another sender as
 * soon as the killed one's presence session is gone. At most its SMTP connections' worth (the sends in
 * flight and the accepted ones not yet recorded, together) are sent twice,
 * each copy with the same Message-ID; nothing is lost.
 */
const stack = loadStackConfig();
const repoRoot = path.resolve(__dirname, '..', '..', '..');
const CONNECTIONS = 4;
const EMAILS = 20;

let db: Awaited<ReturnType<typeof freshDatabase>>;
let smtp: TestSmtpServer;
let successor: TestSender | undefined;
beforeAll(async () => {
  db = await freshDatabase('email_sender_kill_test', 'email');
  smtp = await TestSmtpServer.start();
});
afterEach(async () => {
  await successor?.close();
  successor = undefined;
  smtp.release();
});
afterAll(async () => {
  await smtp?.stop();
  await db?.drop();
});

const spawnSender = (senderId: string, leaseMs: number): Promise<ChildProcess> => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'sender.process.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      // The sources, as jest runs them, rather than the libraries' builds.
      TSX_TSCONFIG_PATH: path.join(repoRoot, 'tsconfig.test.json'),
      DB_URL: db.url,
      SMTP_URL: smtp.url,
      BROKERS: stack.kafka.bootstrap,
      DLQ: 'email.dlq',
      SENDER_ID: senderId,
      CONNECTIONS: String(CONNECTIONS),
      LEASE_MS: String(leaseMs),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve(child));
    child.once('exit', (code, signal) => reject(new Error(`sender process exited early: ${code ?? signal}`)));
  });
};

/**
 * Queues EMAILS emails, has a child sender take them with its sends held in
 * flight, runs `beforeKill`, SIGKILLs it; returns the emails.
 */
async function killMidSend(senderId: string, leaseMs: number, beforeKill: () => Promise<void> = async () => {}) {
  const orders = Array.from({ length: EMAILS }, () => anOrderPlaced());
  await queueEmails(db.pool, orders);
  smtp.hold();
  const child = await spawnSender(senderId, leaseMs);
  await waitUntil(`${CONNECTIONS} sends in flight`, () => smtp.inFlight === CONNECTIONS, 30_000);
  await beforeKill();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  smtp.release();
  return orders;
}

const allSent = (orders: { eventId: string }[], timeoutMs: number) =>
  waitUntil(
    'every email sent',
    async () => {
      const { rows } = await db.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM emails WHERE status = 'SENT' AND event_id = ANY($1)",
        [orders.map((o) => o.eventId)],
      );
      return rows[0]!.n === orders.length;
    },
    timeoutMs,
  );

function expectAtMostInFlightTwice(orders: { eventId: string }[], what: string) {
  const counts = orders.map((o) => smtp.countOf(`<${o.eventId}@orderflow.local>`));
  const twice = counts.filter((n) => n === 2).length;
  process.stdout.write(
    `${what}: ${CONNECTIONS} sends in flight at the kill, ${twice} of ${orders.length} emails sent twice\n`,
  );
  expect(counts.filter((n) => n < 1 || n > 2)).toEqual([]);
  expect(twice).toBeLessThanOrEqual(CONNECTIONS);
}

describe('a sender killed mid-send (SIGKILL)', () => {
  it('restarted under its id, sends at once what it had claimed: at most the sends in flight twice, none lost', async () => {
    const senderId = `killed-${randomUUID()}`;
    const orders = await killMidSend(senderId, 60_000);
    const restartedAt = Date.now();

    successor = startSender(
      db.pool,
      smtp.url,
      { brokers: [stack.kafka.bootstrap], topic: 'email.dlq' },
      {
        senderId,
        connections: CONNECTIONS,
        leaseMs: 60_000,
        sendBudgetMs: 1_000,
      },
    );

    await allSent(orders, 20_000);
    expect(Date.now() - restartedAt).toBeLessThan(20_000); // not the 60 s lease
    expectAtMostInFlightTwice(orders, 'kill -9, restart under the same id');
    // The copies are whole messages with the email's own Message-ID: a receiver can drop the second.
    expect(orders.every((o) => smtp.received.some((m) => m.messageId === messageIdOf(o)))).toBe(true);
  });

  it('with the database slow to record, accepted sends count against the bound: no new send starts until they are recorded', async () => {
    const senderId = `killed-${randomUUID()}`;
    const locker = await db.pool.connect();
    const earlier = smtp.received.length;
    let accepted = 0;
    try {
      const orders = await killMidSend(senderId, 60_000, async () => {
        // Records (UPDATE emails) wait on this lock while the SMTP server accepts what is in flight.
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE emails IN SHARE MODE');
        smtp.release();
        await waitUntil('the sends in flight accepted', () => smtp.received.length - earlier >= CONNECTIONS, 10_000);
        // Claimed emails are ready behind them: without the bound they would be sent now, unrecorded too.
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        accepted = smtp.received.length - earlier;
      });
      expect(accepted).toBe(CONNECTIONS);
      await locker.query('COMMIT');

      successor = startSender(
        db.pool,
        smtp.url,
        { brokers: [stack.kafka.bootstrap], topic: 'email.dlq' },
        { senderId, connections: CONNECTIONS, leaseMs: 60_000, sendBudgetMs: 1_000 },
      );
      await allSent(orders, 20_000);
      expectAtMostInFlightTwice(orders, 'kill -9 with the records held back');
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      locker.release();
    }
  });

  it('another sender leaves its claims alone while it lives, and takes them over as soon as it is gone, not after the lease', async () => {
    const leaseMs = 60_000;
    const killedId = `killed-${randomUUID()}`;
    const claimedBy = async (senderId: string) => {
      const { rows } = await db.pool.query<{ event_id: string }>(
        "SELECT event_id FROM emails WHERE status = 'QUEUED' AND claimed_by = $1 AND next_attempt_at > now() ORDER BY event_id",
        [senderId],
      );
      return rows.map((r) => r.event_id);
    };
    let killedAt = 0;
    const orders = await killMidSend(killedId, leaseMs, async () => {
      const claims = await claimedBy(killedId);
      expect(claims.length).toBeGreaterThanOrEqual(CONNECTIONS);
      successor = startSender(
        db.pool,
        smtp.url,
        { brokers: [stack.kafka.bootstrap], topic: 'email.dlq' },
        { connections: CONNECTIONS, leaseMs, sendBudgetMs: 1_000 },
        // Its own sends are held too until the kill: they must not time out and go again.
        { smtpTimeoutMs: 30_000 },
      );
      // Many of the successor's poll intervals: a live sender's claims stay its own.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await claimedBy(killedId)).toEqual(claims);
      killedAt = Date.now();
    });

    await allSent(orders, 30_000);
    expect(Date.now() - killedAt).toBeLessThan(15_000); // not the 60 s lease
    expectAtMostInFlightTwice(orders, 'kill -9, another sender takes over');
  });
});
