import { Logger } from '@nestjs/common';
import { type BackoffPolicy, backoffDelay, describeError } from '@orderflow/messaging';

/**
 * Writes items one batch at a time, in the order they came, and keeps every
 * item until its write succeeded: a failed batch is tried again, with backoff,
 * for as long as it fails (the database away), while new items join the
 * queue. What has happened outside the database (an email accepted by the
 * SMTP server) is kept in memory until it is recorded rather than lost — or
 * done a second time.
 */
export class WriteLane<T> {
  private readonly logger: Logger;
  private queued: T[] = [];
  private writing: T[] = [];
  private active = false;
  private failures = 0;
  private lastFailure: string | undefined;
  private abandoned = false;
  private wakeFromBackoff: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly name: string,
    private readonly write: (batch: T[]) => Promise<void>,
    private readonly maxBatch: number,
    private readonly backoff: BackoffPolicy,
    /** Called after each batch is written. */
    private readonly onWritten: () => void = () => undefined,
  ) {
    this.logger = new Logger(`EmailSender ${name}`);
  }

  add(item: T): void {
    this.queued.push(item);
    if (!this.active) void this.drain();
  }

  /** Everything not written yet, the batch being written included. */
  pending(): readonly T[] {
    return [...this.writing, ...this.queued];
  }

  /** Why the last write failed, while items still wait on it. */
  failure(): string | undefined {
    return this.lastFailure && `${this.name}: ${this.lastFailure}`;
  }

  /** Resolves once everything is written, or at `deadline` (ms since the epoch); says whether everything was. */
  async settled(deadline: number): Promise<boolean> {
    if (this.active) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.pending().length === 0;
  }

  /** Stops trying: what is still pending stays unwritten (a stop whose deadline passed). */
  abandon(): void {
    this.abandoned = true;
    this.wakeFromBackoff?.();
  }

  private async drain(): Promise<void> {
    this.active = true;
    while (this.queued.length > 0 && !this.abandoned) {
      this.writing = this.queued.splice(0, this.maxBatch);
      try {
        await this.write(this.writing);
        this.writing = [];
        this.failures = 0;
        this.lastFailure = undefined;
        this.onWritten();
      } catch (error) {
        this.queued.unshift(...this.writing);
        this.writing = [];
        this.failures += 1;
        this.lastFailure = describeError(error);
        this.logger.warn(`${this.queued.length} waiting, try ${this.failures} failed: ${this.lastFailure}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoffDelay(this.backoff, this.failures));
          this.wakeFromBackoff = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeFromBackoff = undefined;
      }
    }
    this.active = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}
