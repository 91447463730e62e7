/**
 * How many emails/s the sender delivers, with 1 and N pooled SMTP
 * connections, against its own MailDev (a child process on free ports, so the
 * stack's inbox is not flooded) and a fresh email database on the stack's
 * Postgres; and, as the baseline, the design it replaced: one transaction per
 * email with the SMTP send inside it, 4 at a time (one per partition).
 * Bounded: EMAILS per run (default 2,000), each run given at most 120 s. Not
 * a test: figures are printed, never asserted.
 *
 *   ORDERFLOW_STACK=external node --import tsx services/email/test/bench/sender.throughput.ts
 *   (TSX_TSCONFIG_PATH=tsconfig.test.json to run the libraries from source)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { inTransaction, prepared, withOutbox } from '@orderflow/messaging';
import { randomIds } from '@orderflow/platform';
import type { Pool } from 'pg';
import { loadStackConfig } from '../../../../infra/src/config/stack.config';
import { parseEvent } from '@orderflow/events';
import { anOrderPlaced } from '../../../../test/support/event.factory';
import { anOrderConfirmed } from '../../../../test/support/follow-up-events.factory';
import { freshDatabase } from '../../../../test/support/test-database';
import { emailFor, isNotificationEvent } from '../../src/domain/email.selection';
import { SmtpMailer } from '../../src/smtp/smtp.mailer';
import { TemplateRenderer } from '../../src/templating/template.renderer';
import { messageIdOf, queueEmails, startSender } from '../support/sender.fixture';

const EMAILS = Number(process.env.EMAILS ?? 2_000);
const CONNECTIONS = (process.env.CONNECTIONS ?? '1,4,8').split(',').map(Number);
const RUN_LIMIT_MS = 120_000;
const stack = loadStackConfig();
const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

async function startMailDev(): Promise<{ url: string; child: ChildProcess; dir: string }> {
  const [smtpPort, webPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(path.join(tmpdir(), 'maildev-bench-'));
  const bin = path.join(repoRoot, 'node_modules', 'maildev', 'dist', 'bin', 'maildev.js');
  const child = spawn(
    process.execPath,
    [
      ...[bin, '--smtp', String(smtpPort), '--ip', '127.0.0.1', '--web', String(webPort), '--web-ip', '127.0.0.1'],
      ...['--mail-directory', dir],
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${webPort}/api/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw new Error('MailDev did not start');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url: `smtp://127.0.0.1:${smtpPort}`, child, dir };
}

async function run(connections: number, smtpUrl: string): Promise<void> {
  const db = await freshDatabase(`email_sender_bench_${connections}`, 'email');
  try {
    const events = Array.from({ length: EMAILS / 2 }, anEmailPair).flat();
    const queuedFrom = performance.now();
    for (let i = 0; i < events.length; i += 500) await queueEmails(db.pool, events.slice(i, i + 500));
    const queueMs = performance.now() - queuedFrom;

    const cpuFrom = process.cpuUsage();
    const started = performance.now();
    const running = startSender(
      db.pool,
      smtpUrl,
      { brokers: [stack.kafka.bootstrap], topic: 'email.dlq' },
      { connections, pollIntervalMs: 50, leaseMs: 60_000, sendBudgetMs: 30_000 },
      { smtpTimeoutMs: 10_000 },
    );
    let sent = 0;
    while (sent < events.length && performance.now() - started < RUN_LIMIT_MS) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const { rows } = await db.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM emails WHERE status = 'SENT'",
      );
      sent = rows[0]!.n;
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuFrom);
    await running.close();
    const perEmailMs = (cpu.user + cpu.system) / 1000 / Math.max(sent, 1);
    process.stdout.write(
      `connections=${connections}: ${sent}/${events.length} emails in ${seconds.toFixed(1)} s = ${(sent / seconds).toFixed(0)} emails/s; ` +
        `sender CPU ${perEmailMs.toFixed(2)} ms/email; queued ${events.length} in ${(queueMs / 1000).toFixed(2)} s (batches of 500)\n`,
    );
  } finally {
    await db.drop();
  }
}

const anEmailPair = () => {
  const placed = anOrderPlaced();
  return [placed, anOrderConfirmed(placed)];
};

const position = prepared(
  'bench.position',
  `INSERT INTO order_recipients (order_id, customer_email, last_position) VALUES ($1, $2, 1)
   ON CONFLICT (order_id) DO UPDATE SET last_position = order_recipients.last_position + 1
   RETURNING customer_email, last_position`,
);
const record = prepared(
  'bench.record',
  `INSERT INTO emails (event_id, order_id, kind, recipient, message_id, sent_at, status, position)
   VALUES ($1, $2, $3, $4, $5, now(), 'SENT', $6)`,
);

/** The replaced design: per email, BEGIN → position → render → SMTP → record + EmailSent → COMMIT; `partitions` at a time. */
async function baseline(partitions: number, smtpUrl: string): Promise<void> {
  const db = await freshDatabase('email_sender_bench_baseline', 'email');
  const mailer = new SmtpMailer({
    url: smtpUrl,
    from: 'bench@orderflow.local',
    timeoutMs: 10_000,
    maxConnections: partitions,
  });
  const templates = TemplateRenderer.load();
  try {
    const queues = Array.from({ length: partitions }, () =>
      Array.from({ length: EMAILS / 2 / partitions }, anEmailPair).flat(),
    );
    const cpuFrom = process.cpuUsage();
    const started = performance.now();
    await Promise.all(queues.map((events) => inOrder(db.pool, events, mailer, templates)));
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuFrom);
    const sent = queues.flat().length;
    process.stdout.write(
      `baseline (SMTP inside the transaction, ${partitions} partitions): ${sent} emails in ${seconds.toFixed(1)} s = ${(sent / seconds).toFixed(0)} emails/s; ` +
        `CPU ${((cpu.user + cpu.system) / 1000 / sent).toFixed(2)} ms/email\n`,
    );
  } finally {
    mailer.onApplicationShutdown();
    await db.drop();
  }
}

async function inOrder(
  pool: Pool,
  events: ReturnType<typeof anEmailPair>,
  mailer: SmtpMailer,
  templates: TemplateRenderer,
) {
  for (const raw of events) {
    const event = parseEvent(raw);
    if (!isNotificationEvent(event)) continue;
    const email = emailFor(event);
    await inTransaction(pool, async (tx) => {
      const { rows } = await tx.query<{ customer_email: string; last_position: number }>(
        position([email.orderId, email.customerEmail ?? 'bench@example.com']),
      );
      const { customer_email: to, last_position: version } = rows[0]!;
      await mailer.send({ messageId: messageIdOf(raw), to, ...templates.render(email.kind, email.model), headers: {} });
      await tx.query(
        withOutbox(record([event.eventId, email.orderId, email.kind, to, email.messageId, version]), [
          {
            eventId: randomIds.next(),
            type: 'EmailSent',
            schemaVersion: 1,
            aggregateType: 'email',
            aggregateId: email.orderId,
            aggregateVersion: version,
            occurredAt: new Date().toISOString(),
            correlationId: event.correlationId,
            causationId: event.eventId,
            payload: { kind: email.kind, to, messageId: email.messageId, triggeredBy: event.eventId },
          },
        ]),
      );
    });
  }
}

async function main(): Promise<void> {
  Logger.overrideLogger(false);
  const maildev = await startMailDev();
  try {
    if (process.env.BASELINE !== '0') await baseline(4, maildev.url);
    for (const connections of CONNECTIONS) await run(connections, maildev.url);
  } finally {
    maildev.child.kill('SIGTERM');
    rmSync(maildev.dir, { recursive: true, force: true });
  }
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
