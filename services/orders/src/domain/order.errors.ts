import { CodedError } from '@orderflow/events';
import type { Order, OrderState } from './order';

/**
 * What a command may be refused for, with a stable code. The HTTP edge maps
 * codes to statuses (order.exception-filter.ts); nothing else reads messages.
 */
export type OrderErrorCode =
  | 'ORDER_NOT_FOUND'
  | 'ORDER_ALREADY_EXISTS'
  | 'ORDER_ALREADY_SHIPPED'
  | 'ORDER_ALREADY_CANCELLED'
  | 'ORDER_NOT_PAID'
  | 'ORDER_CONCURRENCY_CONFLICT'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'INVALID_CURSOR';

export class OrderError extends CodedError<OrderErrorCode> {}

/** The order a state holds, or ORDER_NOT_FOUND when there is none (a stream with no events). */
export const asOrder = (state: OrderState, orderId: string): Order => {
  if (state.status === 'NONE') throw new OrderError('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
  return state;
};
