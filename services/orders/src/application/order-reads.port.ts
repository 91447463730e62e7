import type { Order, OrderEvent, OrderStatus } from '../domain/order';

/** Which orders a page holds: those after `after` in (createdAt, id) order, filtered, at most `limit`. */
export interface OrderPageFilter {
  status?: OrderStatus;
  customerId?: string;
  after?: { createdAt: string; id: string };
  limit: number;
}

/**
 * What the read side asks of the database: an order's stream (the event
 * store, consistent with the command that just ran) and pages of the read
 * model (eventually consistent, indexed for paging). Its implementation is
 * chosen by measurement (bench/results/reads.md).
 */
export interface OrderReads {
  /** The order's events in version order, at their current schema version; empty when there is no such order. */
  events(orderId: string): Promise<OrderEvent[]>;
  /** The orders of `orders_view_v1` matching the filter, in (createdAt, id) order. */
  page(filter: OrderPageFilter): Promise<Order[]>;
}

export const ORDER_READS = Symbol('ORDER_READS');
