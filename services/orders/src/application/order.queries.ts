import { z } from 'zod';
import { type Order, type OrderEvent, type OrderStatus, fold } from '../domain/order';
import { OrderError, asOrder } from '../domain/order.errors';
import type { OrderReads } from './order-reads.port';

export interface OrderPageQuery {
  status?: OrderStatus;
  customerId?: string;
  limit: number;
  cursor?: string;
}

/**
 * Reads. One order and its events come from the event store (consistent with
 * the command that just ran); lists come from the read model (eventually
 * consistent, indexed for paging). A plain class, wired in app.module.ts:
 * the reads benchmark calls it as the controller does, outside Nest.
 */
export class OrderQueries {
  constructor(private readonly reads: OrderReads) {}

  async order(orderId: string): Promise<Order> {
    return asOrder(fold(await this.reads.events(orderId)), orderId);
  }

  async events(orderId: string): Promise<OrderEvent[]> {
    const events = await this.reads.events(orderId);
    if (events.length === 0) throw new OrderError('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
    return events;
  }

  /** Keyset paging on (created_at, id): stable while orders are added. One row more than asked tells a next page exists. */
  async page(query: OrderPageQuery): Promise<{ items: Order[]; nextCursor: string | null }> {
    const rows = await this.reads.page({
      status: query.status,
      customerId: query.customerId,
      after: query.cursor ? decodeCursor(query.cursor) : undefined,
      limit: query.limit + 1,
    });
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null,
    };
  }
}

const encodeCursor = (createdAt: string, id: string) =>
  Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');

/** What `encodeCursor` writes; anything else would reach Postgres as a bad timestamp or uuid (a 500). */
const Cursor = z.tuple([z.iso.datetime(), z.uuid()]);

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const parsed = Cursor.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return { createdAt: parsed.data[0], id: parsed.data[1] };
  } catch {
    /* falls through */
  }
  throw new OrderError('INVALID_CURSOR', 'cursor is not one this API returned');
}
