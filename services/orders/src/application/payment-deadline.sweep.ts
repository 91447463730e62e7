import { type BeforeApplicationShutdown, Logger, type OnApplicationBootstrap, type Provider } from '@nestjs/common';
import { type Queryable, tracer } from '@orderflow/messaging';
import { CLOCK, type Clock, PG_POOL } from '@orderflow/platform';
import type { OrdersConfig } from '../config/orders.config';
import { OrderError } from '../domain/order.errors';
import { type OrderPosition, ordersAwaitingPayment } from '../persistence/payment-deadline.store';
import { OrderCommands } from './order.commands';

export interface PaymentDeadlineOptions {
  deadlineMs: number;
  /** Pause between sweeps that went through every overdue order. */
  intervalMs: number;
  /** Orders per read-model query. */
  pageSize: number;
  /** Orders per sweep, so one sweep's time and load stay bounded; when it is reached, the next sweep follows at once. */
  maxPerSweep: number;
}

export interface SweepResult {
  examined: number;
  /** Orders this sweep cancelled (the others were paid, cancelled or swept by another instance meanwhile, or not due). */
  cancelled: number;
  /** Whether it stopped at `maxPerSweep` with more to examine. */
  more: boolean;
}

/**
 * The edge that feeds the payment deadline to the domain: no saga waits on a
 * payment forever. Every `intervalMs` it reads, from the read model, the orders
 * still awaiting their payment `deadlineMs` after they were placed, and sends
 * each `ExpirePayment` through `OrderCommands`. The decision is `decide`'s, on
 * the event store: a stale read-model row, a payment that won the race, or
 * another orders instance sweeping the same order (the (order_id, version) key
 * lets one append win) all end in a no-op.
 *
 * One sweep at a time (a timeout chain, not an interval). A failure — the
 * database gone, say — ends that sweep with a log line, and the next one tries
 * again: the service keeps running. A sweep goes on from where the last one
 * stopped, so rows it cannot act on never starve the ones behind them.
 */
export class PaymentDeadlineSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PaymentDeadlineSweep.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopping = false;
  private resumeAfter?: OrderPosition;

  constructor(
    private readonly db: Queryable,
    private readonly clock: Clock,
    private readonly commands: OrderCommands,
    private readonly options: PaymentDeadlineOptions,
  ) {}

  onApplicationBootstrap(): void {
    // At once: after a restart, what fell due while the service was down waits no longer.
    this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One bounded sweep. Never throws: a failure is logged and ends the sweep. */
  async sweep(): Promise<SweepResult> {
    const { deadlineMs, pageSize, maxPerSweep } = this.options;
    const placedBy = new Date(this.clock.now().getTime() - deadlineMs);
    const result: SweepResult = { examined: 0, cancelled: 0, more: false };
    let after = this.resumeAfter;
    try {
      while (!this.stopping) {
        const limit = Math.min(pageSize, maxPerSweep - result.examined);
        if (limit === 0) {
          result.more = true;
          break;
        }
        const page = await ordersAwaitingPayment(this.db, { placedBy, after, limit });
        for (const order of page) {
          if (this.stopping) break;
          // Moved past before the command: an order that keeps failing is tried again after a full pass, not first every time.
          after = order;
          result.examined += 1;
          if (await this.expire(order.id)) result.cancelled += 1;
        }
        if (page.length < limit) {
          after = undefined; // the end: the next sweep starts from the oldest again
          break;
        }
      }
    } catch (error) {
      this.logger.error(`payment deadline sweep failed; the next one tries again: ${messageOf(error)}`);
    }
    this.resumeAfter = after;
    if (result.cancelled > 0) {
      this.logger.log(`${result.cancelled} order(s) cancelled: no payment within ${deadlineMs} ms`);
    }
    return result;
  }

  /**
   * True if this command cancelled the order. A refused command is logged and
   * skipped. Each expiry starts a trace of its own: the cancellation, its
   * refund and its email follow it as a placed order's saga follows its POST.
   */
  private expire(orderId: string): Promise<boolean> {
    return tracer.startActiveSpan('payment deadline', { attributes: { 'order.id': orderId } }, async (span) => {
      try {
        return await this.expireInSpan(orderId);
      } finally {
        span.end();
      }
    });
  }

  private async expireInSpan(orderId: string): Promise<boolean> {
    try {
      const { appended } = await this.commands.executeWithOutcome(orderId, {
        type: 'ExpirePayment',
        data: { deadlineMs: this.options.deadlineMs },
      });
      return appended.length > 0;
    } catch (error) {
      // ORDER_CONCURRENCY_CONFLICT after its retries: others keep changing the order; the next sweep looks again.
      if (!(error instanceof OrderError)) throw error;
      this.logger.warn(`order ${orderId}: payment deadline not applied: ${error.code}: ${error.message}`);
      return false;
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep().then((result) => this.schedule(result.more ? 0 : this.options.intervalMs));
    }, delayMs);
    // Never what keeps the process alive.
    this.timer.unref();
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The sweep as a Nest provider, with the service's pool, clock and command handler. */
export const paymentDeadlineSweepProvider = (config: OrdersConfig): Provider => ({
  provide: PaymentDeadlineSweep,
  inject: [PG_POOL, CLOCK, OrderCommands],
  useFactory: (db: Queryable, clock: Clock, commands: OrderCommands) =>
    new PaymentDeadlineSweep(db, clock, commands, {
      deadlineMs: config.ORDERS_PAYMENT_DEADLINE,
      intervalMs: config.ORDERS_PAYMENT_DEADLINE_SWEEP_MS,
      pageSize: 100,
      maxPerSweep: 1_000,
    }),
});
