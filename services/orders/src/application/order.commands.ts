import { Inject, Injectable } from '@nestjs/common';
import type { Queryable } from '@orderflow/messaging';
import { CLOCK, type Clock, ID_GENERATOR, type IdGenerator, PG_POOL } from '@orderflow/platform';
import type { Pool } from 'pg';
import { type Order, type OrderEvent, fold, initialState } from '../domain/order';
import { type OrderCommand, decide } from '../domain/order.decide';
import { OrderError, asOrder } from '../domain/order.errors';
import { ConcurrencyConflict, appendOrderEvents, loadOrderEvents } from '../persistence/order-event.store';

export interface CommandOrigin {
  correlationId?: string;
  causationId?: string | null;
}

/** The order after a command, and what the command appended: nothing when it was a no-op. */
export interface CommandOutcome {
  order: Order;
  appended: readonly OrderEvent[];
}

/**
 * Load the stream → decide → append the events and their outbox rows, in one
 * statement. Nothing is published from here: Debezium relays the outbox.
 */
@Injectable()
export class OrderCommands {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /**
   * For HTTP, retried when another command won the race. No transaction: the
   * append is one statement, and the stream read before it needs none (the
   * append's key check refuses a decision taken on a stale stream).
   */
  async execute(orderId: string, command: OrderCommand, origin: CommandOrigin = {}): Promise<Order> {
    return (await this.executeWithOutcome(orderId, command, origin)).order;
  }

  /** `execute`, telling also what was appended (the payment deadline sweep counts what it cancelled). */
  async executeWithOutcome(
    orderId: string,
    command: OrderCommand,
    origin: CommandOrigin = {},
  ): Promise<CommandOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.run(this.pool, orderId, command, origin);
      } catch (error) {
        if (!(error instanceof ConcurrencyConflict)) throw error;
        if (attempt >= 5) {
          throw new OrderError('ORDER_CONCURRENCY_CONFLICT', `order ${orderId} is being changed by others; try again`);
        }
      }
    }
  }

  /** On `db`: the pool, or a caller's transaction (a consumer's, with its inbox row). */
  async executeIn(db: Queryable, orderId: string, command: OrderCommand, origin: CommandOrigin): Promise<Order> {
    return (await this.run(db, orderId, command, origin)).order;
  }

  private async run(
    db: Queryable,
    orderId: string,
    command: OrderCommand,
    origin: CommandOrigin,
  ): Promise<CommandOutcome> {
    // A new order's id was just generated: there is no stream to read.
    const state = command.type === 'PlaceOrder' ? initialState : fold(await loadOrderEvents(db, orderId));
    const events = decide(command, state, {
      orderId,
      eventIds: [this.ids.next()],
      now: this.clock.now().toISOString(),
      correlationId: origin.correlationId ?? orderId,
      causationId: origin.causationId ?? null,
    });
    await appendOrderEvents(db, events);
    return { order: asOrder(fold(events, state), orderId), appended: events };
  }
}
