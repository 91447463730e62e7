import type { EmailKindName } from './email.selection';

/**
 * Where each email of a batch goes in its order's email stream, the order the
 * sender sends an order's emails in and EmailSent's aggregateVersion. Pure:
 * the queue statement applies it to each order's stored `last_position` (an
 * order's other emails take `last_position + rank`; a new order's start at 2).
 *
 * OrderPlaced's email (ORDER_RECEIVED) is always position 1, and every other
 * email takes the next position from 2 on, in the order the consumer handled
 * the events. So when a payments.events event overtakes its order's
 * OrderPlaced, its email — which waits for the address anyway — still goes
 * out after the order-received one, not before it.
 */
export interface BatchPositions {
  /** Per email, in the batch's order: 0 for ORDER_RECEIVED (position 1), else its rank among its order's others here (1, 2, …). */
  ranks: number[];
  /** Per order of the batch, in first-seen order. */
  orders: OrderInBatch[];
}

export interface OrderInBatch {
  orderId: string;
  /** The first address an OrderPlaced of the batch gave, if any: the stored one wins over it. */
  address: string | null;
  /** How many positions after the order's last one the batch takes (ORDER_RECEIVED takes none). */
  added: number;
}

export interface EmailInBatch {
  orderId: string;
  kind: EmailKindName;
  customerEmail?: string;
}

export function positionsIn(emails: readonly EmailInBatch[]): BatchPositions {
  const orders = new Map<string, OrderInBatch>();
  const ranks = emails.map((email) => {
    let order = orders.get(email.orderId);
    if (!order) {
      order = { orderId: email.orderId, address: null, added: 0 };
      orders.set(email.orderId, order);
    }
    order.address ??= email.customerEmail ?? null;
    if (email.kind === 'ORDER_RECEIVED') return 0;
    order.added += 1;
    return order.added;
  });
  return { ranks, orders: [...orders.values()] };
}
