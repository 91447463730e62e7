import { type BeforeApplicationShutdown, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import { type BackoffPolicy, backoffDelay, contextOf, describeError, tracer } from '@orderflow/messaging';
import type { Clock } from '@orderflow/platform';
import type { Pool } from 'pg';
import type { DeadLetters } from '../messaging/email.dead-letters';
import { type ClaimedEmail, claimDue, countQueued, releaseClaimsOf } from '../persistence/email.store';
import { SenderPresence, releaseClaimsOfAbsentSenders } from '../persistence/sender.presence';
import type { Mailer } from '../smtp/mailer.port';
import type { TemplateRenderer } from '../templating/template.renderer';
import { EmailDelivery } from './email.delivery';
import { EmailOutcomeRecorder } from './email-outcome.recorder';

export interface EmailSenderOptions {
  /**
   * Unique among the running senders, and the same across a restart: a
   * sender takes back at start what its dead predecessor under this id had
   * claimed, rather than waiting for those leases to end.
   */
  senderId: string;
  /** Sends at once: one per pooled SMTP connection. */
  connections: number;
  /**
   * How long a claim keeps other senders off a row. A sender that dies is
   * seen gone at once (its presence session ends) and its rows are taken over
   * within a poll interval; the lease is for a sender alive but cut off from
   * the database, whose rows wait this long.
   */
  leaseMs: number;
  /** The longest one send may take (the SMTP time-outs): a claim with less lease left than this is handed back unsent. */
  sendBudgetMs: number;
  /** How often to look for due emails when nothing wakes the sender (backoffs ending, other instances' rows). */
  pollIntervalMs: number;
  /** Backoff of an email, and of the whole sender, after a transient failure. */
  retry: BackoffPolicy;
  /** How long a stop waits for the sends in flight and their records. */
  stopTimeoutMs: number;
}

export interface EmailSenderDeps {
  pool: Pool;
  mailer: Mailer;
  templates: TemplateRenderer;
  deadLetters: DeadLetters;
  clock: Clock;
}

export interface SenderStatus {
  /** Sending is held up (SMTP away, database away): not by the lack of emails. */
  blocked: boolean;
  reason?: string;
  /** Emails waiting in the database, as of the last count (at most a poll interval old). */
  queued: number;
  /** Sends in flight now. */
  sending: number;
  /** Outcomes held in memory until the database takes them. */
  unrecorded: number;
}

/** After Postgres starts, how long live senders have to open their presence sessions again before their claims look abandoned. */
const PRESENCE_GRACE_MS = 10_000;

/**
 * Sends the queued emails. Claims due rows (`FOR UPDATE SKIP LOCKED` and a
 * lease: several instances never send the same row, and a row whose sender
 * died is taken over within a poll interval, its sender's presence session
 * being gone — see SenderPresence — or at once by its successor under the
 * same `senderId`), keeps up to `connections` sends in
 * flight over the pooled SMTP transport with as many claimed and ready, and
 * hands each outcome to the recorder (SENT + EmailSent, back with backoff, or
 * REJECTED + dead letter). Woken after each consumer transaction and when a
 * send completes; polls as a fallback.
 *
 * A transient SMTP failure blocks the whole sender, with capped exponential
 * backoff: it claims nothing until the backoff ends, then one email probes the
 * server; a send that succeeds unblocks it. Nothing is dead-lettered for it.
 *
 * Duplicates: an email is sent again only if its sender dies (kill -9, power)
 * between the SMTP server's acceptance and the record, or a stop outlasts its
 * deadline with sends in flight — at most `connections` emails, each copy with
 * the same Message-ID: a send starts only while the sends in flight and the
 * accepted ones not yet recorded are fewer than `connections`.
 */
export class EmailSender implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EmailSender');
  private readonly delivery: EmailDelivery;
  private readonly recorder: EmailOutcomeRecorder;
  private readonly sending = new Set<Promise<void>>();
  private ready: { email: ClaimedEmail; claimedAt: number }[] = [];
  private readonly smtp: Blockage;
  private readonly database: Blockage;
  private readonly alarm = new Alarm();
  private readonly presence: SenderPresence;
  private queued = 0;
  private lookedAt = 0;
  private stopping = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: EmailSenderDeps,
    private readonly options: EmailSenderOptions,
  ) {
    this.delivery = new EmailDelivery(deps.mailer, deps.templates, deps.clock);
    this.recorder = new EmailOutcomeRecorder(deps.pool, deps.deadLetters, options.retry, () => this.slotFreed());
    this.smtp = new Blockage(options.retry);
    this.database = new Blockage(options.retry);
    this.presence = new SenderPresence(deps.pool, options.senderId);
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  /** Before the pool and the SMTP transport close (they do in onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  start(): void {
    this.running ??= this.loop().catch((error: unknown) => this.logger.error(`stopped: ${describeError(error)}`));
  }

  /** Something may be due: the consumer committed emails, a send completed. */
  wake(): void {
    this.alarm.ring();
  }

  status(): SenderStatus {
    const reasons = [
      this.smtp.reason && `SMTP: ${this.smtp.reason}`,
      this.database.reason && `database: ${this.database.reason}`,
      this.recorder.failure(),
    ].filter((reason): reason is string => typeof reason === 'string');
    return {
      blocked: reasons.length > 0,
      ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
      queued: this.queued,
      sending: this.sending.size,
      unrecorded: this.recorder.holding().length,
    };
  }

  /**
   * Stops claiming, hands back what was claimed and not started, lets the
   * sends in flight finish and their outcomes be recorded — for at most
   * `stopTimeoutMs` — then returns.
   */
  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.alarm.ring();
    }
    const deadline = Date.now() + this.options.stopTimeoutMs;
    await untilDeadline(this.running ?? Promise.resolve(), deadline);
    for (const { email } of this.ready.splice(0))
      this.recorder.retry({ eventId: email.eventId, delayMs: 0, error: null });
    await untilDeadline(Promise.allSettled([...this.sending]), deadline);
    if (this.sending.size > 0) {
      this.logger.error(`stopped with ${this.sending.size} sends in flight: sent again once their lease ends`);
    }
    await this.recorder.flush(deadline);
    this.presence.end();
  }

  private async loop(): Promise<void> {
    let predecessorReleased = false;
    while (!this.stopping) {
      predecessorReleased ||= await this.releasePredecessorClaims();
      const wait = this.waitBeforeClaiming();
      if (wait === 0 && (await this.claim())) continue;
      await this.alarm.sleep(wait > 0 ? Math.min(wait, this.options.pollIntervalMs) : this.options.pollIntervalMs);
      await this.lookAround();
    }
  }

  private async releasePredecessorClaims(): Promise<boolean> {
    try {
      const released = await releaseClaimsOf(this.deps.pool, this.options.senderId);
      if (released > 0)
        this.logger.warn(`took back ${released} emails claimed by ${this.options.senderId} before a restart`);
      return true;
    } catch {
      return false; // the database is away: the claims say so, and this is tried again first
    }
  }

  /** 0 when a claim may go now; otherwise how long until a backoff ends (a slot freeing up wakes the loop). */
  private waitBeforeClaiming(): number {
    const backoff = Math.max(this.smtp.waitMs(), this.database.waitMs());
    if (backoff > 0) return backoff;
    // Outcomes piling up unrecorded (the database away): claim no more until they are written.
    if (this.recorder.holding().length >= 2 * this.options.connections) return this.options.pollIntervalMs;
    return 0;
  }

  /** Claims enough to fill the free connections and as many ready behind them; says whether there may be more due. */
  private async claim(): Promise<boolean> {
    const held = this.sending.size + this.ready.length;
    // While SMTP is blocked, one email at a time probes it.
    const room = this.smtp.blocked ? 1 - held : 2 * this.options.connections - held;
    if (room <= 0 || this.ready.length > 0) return false;
    // Without its presence session, other senders would take what it claims now.
    if (!(await this.presence.ensure())) {
      this.database.fail('cannot open the presence session');
      return false;
    }
    const claimedAt = Date.now();
    let claimed: ClaimedEmail[];
    try {
      claimed = await claimDue(this.deps.pool, {
        limit: room,
        leaseMs: this.options.leaseMs,
        senderId: this.options.senderId,
        excluding: this.recorder.holding(),
      });
      this.database.clear();
    } catch (error) {
      this.database.fail(describeError(error));
      this.logger.warn(`cannot claim emails: ${describeError(error)}`);
      return false;
    }
    this.ready.push(...claimed.map((email) => ({ email, claimedAt })));
    this.startSends();
    return claimed.length === room;
  }

  /**
   * Starts sends while fewer than `connections` emails are in flight or
   * accepted and not yet recorded: that sum is what a SIGKILL now would send
   * twice, so it is the bound, not the sends in flight alone. A slow database
   * holds sending back rather than widening the window.
   */
  private startSends(): void {
    let free = this.options.connections - this.sending.size - this.recorder.unrecordedSends();
    while (!this.stopping && free > 0 && this.ready.length > 0) {
      const { email, claimedAt } = this.ready.shift()!;
      if (Date.now() - claimedAt > this.options.leaseMs - this.options.sendBudgetMs) {
        // Too little lease left to be sure nobody else claims it mid-send.
        this.recorder.retry({ eventId: email.eventId, delayMs: 0, error: null });
        continue;
      }
      const send: Promise<void> = this.send(email)
        .catch((error: unknown) => this.logger.error(`email ${email.eventId}: ${describeError(error)}`))
        .finally(() => {
          this.sending.delete(send);
          this.slotFreed();
        });
      this.sending.add(send);
      free -= 1;
    }
  }

  /** A send ended or outcomes were recorded: start what is ready, and claim more once nothing is. */
  private slotFreed(): void {
    this.startSends();
    if (this.ready.length === 0) this.alarm.ring();
  }

  /** One email in a span of its own, in the trace of the event that called for it. */
  private send(email: ClaimedEmail): Promise<void> {
    return tracer.startActiveSpan(
      'email send',
      { kind: SpanKind.CLIENT, attributes: { 'messaging.message.id': email.eventId, 'email.attempt': email.attempts } },
      contextOf(email.traceparent),
      async (span) => {
        try {
          await this.sendInSpan(email);
        } finally {
          span.end();
        }
      },
    );
  }

  private async sendInSpan(email: ClaimedEmail): Promise<void> {
    const outcome = await this.delivery.deliver(email);
    switch (outcome.kind) {
      case 'sent':
        this.smtp.clear();
        this.logger.debug(`order ${email.orderId}: ${outcome.sent.payload.kind} email accepted by SMTP`);
        this.recorder.sent(outcome);
        return;
      case 'rejected':
        if (outcome.code === 'SMTP_REJECTED') this.smtp.clear();
        this.recorder.rejected(outcome, this.deps.clock.now());
        return;
      case 'unavailable': {
        if (!this.smtp.blocked) this.logger.warn(`SMTP unavailable, backing off: ${outcome.reason}`);
        this.smtp.fail(outcome.reason);
        const later = (row: ClaimedEmail) =>
          this.recorder.retry({
            eventId: row.eventId,
            delayMs: Math.max(backoffDelay(this.options.retry, row.attempts), this.smtp.waitMs()),
            error: outcome.reason,
          });
        later(email);
        // What was claimed behind it would most likely fail too: back to the queue, due when the backoff ends.
        for (const { email: ready } of this.ready.splice(0)) later(ready);
        return;
      }
      default: {
        const unknown: never = outcome;
        throw new Error(`unknown outcome ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * Once per poll interval, whatever the backoffs: reopens the presence
   * session (within the grace after a Postgres restart), counts the queue,
   * and frees the rows of senders that died holding them.
   */
  private async lookAround(): Promise<void> {
    if (Date.now() - this.lookedAt < this.options.pollIntervalMs) return;
    this.lookedAt = Date.now();
    if (!(await this.presence.ensure())) return;
    try {
      this.queued = await countQueued(this.deps.pool);
      const released = await releaseClaimsOfAbsentSenders(this.deps.pool, {
        senderId: this.options.senderId,
        graceMs: PRESENCE_GRACE_MS,
      });
      if (released > 0) {
        this.logger.warn(`took over ${released} emails claimed by senders that are gone`);
        this.alarm.ring();
      }
    } catch {
      // The claims say so if the database is away.
    }
  }
}

/**
 * A part the sender depends on that is failing: consecutive failures, the
 * last reason, and when to try again. Failures reported while already backing
 * off (the other sends in flight when SMTP went away) count once.
 */
class Blockage {
  private failures = 0;
  private until = 0;
  reason: string | undefined;

  constructor(private readonly policy: BackoffPolicy) {}

  get blocked(): boolean {
    return this.failures > 0;
  }

  fail(reason: string): void {
    this.reason = reason;
    if (Date.now() < this.until) return;
    this.failures += 1;
    this.until = Date.now() + backoffDelay(this.policy, this.failures);
  }

  clear(): void {
    this.failures = 0;
    this.until = 0;
    this.reason = undefined;
  }

  waitMs(): number {
    return Math.max(0, this.until - Date.now());
  }
}

/** A sleep that `ring` ends early; a ring while awake makes the next sleep return at once. */
class Alarm {
  private rung = false;
  private wake: (() => void) | undefined;

  ring(): void {
    this.rung = true;
    this.wake?.();
  }

  async sleep(ms: number): Promise<void> {
    if (!this.rung) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.wake = undefined;
    this.rung = false;
  }
}

async function untilDeadline(work: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work,
    new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now())))),
  ]);
  clearTimeout(timer);
}
