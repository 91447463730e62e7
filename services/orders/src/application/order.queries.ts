import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@orderflow/platform';
import type { Pool } from 'pg';
import { z } from 'zod';
import { type Order, type OrderEvent, type OrderStatus, fold } from '../domain/order';
import { OrderError } from '../domain/order.errors';
import { loadOrderEvents } from '../persistence/order-event.store';
import { type OrderViewRow, toOrder } from '../projections/order-view.projection';
import { asOrder } from './order.commands';

export interface OrderPageQuery {
  status?: OrderStatus;
  customerId?: string;
  limit: number;
  cursor?: string;
}

/**
 * Reads. One order and its events come from the event store (consistent with
 * the command that just ran); lists come from the read model (eventually
 * consistent, indexed for paging).
 */
@Injectable()
export class OrderQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async order(orderId: string): Promise<Order> {
    return asOrder(fold(await loadOrderEvents(this.pool, orderId)), orderId);
  }

  async events(orderId: string): Promise<OrderEvent[]> {
    const events = await loadOrderEvents(this.pool, orderId);
    if (events.length === 0) throw new OrderError('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
    return events;
  }

  /** Keyset paging on (created_at, id): stable while orders are added. */
  async page(query: OrderPageQuery): Promise<{ items: Order[]; nextCursor: string | null }> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const { rows } = await this.pool.query<OrderViewRow>(
      `SELECT * FROM orders_view_v1
       WHERE ($1::text IS NULL OR status = $1)
         AND ($2::text IS NULL OR customer_id = $2)
         AND ($3::timestamptz IS NULL OR (created_at, id) > ($3, $4::uuid))
       ORDER BY created_at, id
       LIMIT $5`,
      [query.status ?? null, query.customerId ?? null, after?.createdAt ?? null, after?.id ?? null, query.limit + 1],
    );
    const items = rows.slice(0, query.limit).map(toOrder);
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
