import { Logger } from '@nestjs/common';
import type { BackoffPolicy } from '@orderflow/messaging';
import type { Pool } from 'pg';
import type { DeadLetters } from '../messaging/email.dead-letters';
import { markRejected, markSent, retryLater } from '../persistence/email.store';
import type { DeliveryOutcome } from './email.delivery';
import { WriteLane } from './write.lane';

type Sent = Extract<DeliveryOutcome, { kind: 'sent' }>;
type Rejected = Extract<DeliveryOutcome, { kind: 'rejected' }> & { failedAt: Date; deadLettered?: boolean };
/** A claimed email handed back: due again after `delayMs`. */
export interface Retry {
  kind: 'retry';
  eventId: string;
  delayMs: number;
  error: string | null;
}

/**
 * Records what became of each email a sender tried: SENT with its EmailSent
 * outbox row, handed back for later, or REJECTED after its dead letter is
 * written. Each outcome is held in memory until its write succeeded — an
 * email the SMTP server accepted while the database was away is recorded when
 * it is back, never sent again by this process (the sender claims nothing it
 * holds here). Sent and retried emails share one lane, batched; rejections
 * have their own, so a broker outage holding a dead letter back does not
 * hold back the record of emails sent.
 */
export class EmailOutcomeRecorder {
  private readonly logger = new Logger('EmailSender');
  private readonly writes: WriteLane<Sent | Retry>;
  private readonly rejections: WriteLane<Rejected>;

  constructor(
    private readonly pool: Pool,
    private readonly deadLetters: DeadLetters,
    backoff: BackoffPolicy,
    /** Called whenever outcomes were written: sends waiting on the bound of unrecorded sends may start. */
    onRecorded: () => void,
  ) {
    this.writes = new WriteLane('database', (batch) => this.writeBatch(batch), 500, backoff, onRecorded);
    this.rejections = new WriteLane('rejections', ([one]) => this.reject(one!), 1, backoff);
  }

  sent(outcome: Sent): void {
    this.writes.add(outcome);
  }

  retry(retry: Omit<Retry, 'kind'>): void {
    this.writes.add({ kind: 'retry', ...retry });
  }

  rejected(outcome: Extract<DeliveryOutcome, { kind: 'rejected' }>, failedAt: Date): void {
    this.rejections.add({ ...outcome, failedAt });
  }

  /** Emails whose outcome is not recorded yet. */
  holding(): string[] {
    return [
      ...this.writes.pending().map((o) => (o.kind === 'retry' ? o.eventId : o.email.eventId)),
      ...this.rejections.pending().map((o) => o.email.eventId),
    ];
  }

  /** Emails the SMTP server accepted whose record is not written yet: what a SIGKILL now would send again. */
  unrecordedSends(): number {
    return this.writes.pending().filter((o) => o.kind === 'sent').length;
  }

  /** Why recording is stuck, if it is. */
  failure(): string | undefined {
    return this.writes.failure() ?? this.rejections.failure();
  }

  /** Waits until everything held is recorded, or `deadline`; gives up on what is left then, saying what. */
  async flush(deadline: number): Promise<void> {
    const done = (await this.writes.settled(deadline)) && (await this.rejections.settled(deadline));
    if (done) return;
    this.writes.abandon();
    this.rejections.abandon();
    this.logger.error(`stopped with outcomes unrecorded; a later sender may send these again: ${this.holding()}`);
  }

  private async writeBatch(batch: (Sent | Retry)[]): Promise<void> {
    const sent = batch.filter((o): o is Sent => o.kind === 'sent');
    const retries = batch.filter((o): o is Retry => o.kind === 'retry');
    // Handing back is idempotent, recording a send is not: if the second statement fails, the batch is
    // tried again whole, and only the first may run twice.
    if (retries.length > 0) await retryLater(this.pool, retries);
    if (sent.length > 0) await this.recordSent(sent);
  }

  private async recordSent(sent: Sent[]): Promise<void> {
    const rows = sent.map((o) => ({
      eventId: o.email.eventId,
      sentAt: o.sentAt,
      sent: o.sent,
      traceparent: o.traceparent,
    }));
    try {
      await markSent(this.pool, rows);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // One of them was recorded before (another sender took it over after its lease): the rest one by one.
      for (const row of rows) {
        try {
          await markSent(this.pool, [row]);
        } catch (single) {
          if (!isUniqueViolation(single)) throw single;
          this.logger.warn(
            `email ${row.eventId} was recorded as sent already: by an earlier try of this batch, or by another ` +
              'sender after this one lost its lease (then it was sent twice, with the same Message-ID)',
          );
        }
      }
    }
  }

  private async reject(rejection: Rejected): Promise<void> {
    const { email, code, reason, failedAt } = rejection;
    if (!rejection.deadLettered) {
      await this.deadLetters.publish({
        orderId: email.orderId,
        event: email.event,
        code,
        reason,
        attempts: email.attempts,
        failedAt,
      });
      rejection.deadLettered = true;
    }
    await markRejected(this.pool, email.eventId, `${code}: ${reason}`);
    this.logger.warn(`email ${email.eventId} rejected and dead-lettered: ${code}: ${reason}`);
  }
}

const isUniqueViolation = (error: unknown) => (error as { code?: unknown } | null)?.code === '23505';
