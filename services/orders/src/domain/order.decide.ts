import type { CancellationCause, OrderLine } from '@orderflow/events';
import type { z } from 'zod';
import { type OrderEvent, type OrderState, evolve, initialState } from './order';
import { OrderError } from './order.errors';

/**
 * Commands and `decide`: what a command on an order in a given state results
 * in. Pure: ids and time arrive in `meta`, stamped at the edge.
 */
export type PlaceOrder = {
  type: 'PlaceOrder';
  data: { customerId: string; customerEmail: string; currency: string; items: OrderLine[] };
};
export type ConfirmOrder = { type: 'ConfirmOrder'; data: { paymentEventId: string } };
export type CancelOrder = {
  type: 'CancelOrder';
  data: { cause: z.infer<typeof CancellationCause>; reason: string };
};
export type ShipOrder = { type: 'ShipOrder'; data: Record<string, never> };
export type OrderCommand = PlaceOrder | ConfirmOrder | CancelOrder | ShipOrder;

export interface CommandMeta {
  orderId: string;
  /** One id per event the command may produce; decide takes them in order. */
  eventIds: readonly string[];
  now: string;
  correlationId: string;
  causationId: string | null;
}

type Payloads = { [E in OrderEvent as E['type']]: E['payload'] };

export function decide(command: OrderCommand, state: OrderState, meta: CommandMeta): OrderEvent[] {
  const version = state.status === 'NONE' ? 0 : state.version;
  const event = <T extends OrderEvent['type']>(type: T, payload: Payloads[T], index = 0) =>
    ({
      eventId: meta.eventIds[index] ?? missingId(index),
      type,
      schemaVersion: 1,
      aggregateType: 'orders',
      aggregateId: meta.orderId,
      aggregateVersion: version + index + 1,
      occurredAt: meta.now,
      correlationId: meta.correlationId,
      causationId: meta.causationId,
      payload,
    }) as Extract<OrderEvent, { type: T }>;

  switch (command.type) {
    case 'PlaceOrder': {
      if (state.status !== 'NONE') throw new OrderError('ORDER_ALREADY_EXISTS', `order ${meta.orderId} exists`);
      const totalCents = command.data.items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0);
      return [event('OrderPlaced', { ...command.data, totalCents })];
    }
    case 'ConfirmOrder':
      if (state.status === 'NONE') throw notFound(meta.orderId);
      // A payment that arrives after a cancellation confirms nothing; payments
      // refunds it on seeing the cancellation.
      return state.status === 'PENDING_PAYMENT' ? [event('OrderConfirmed', command.data)] : [];
    case 'CancelOrder': {
      if (state.status === 'NONE') throw notFound(meta.orderId);
      const fromPayment = command.data.cause === 'PAYMENT_DECLINED';
      if (state.status === 'CANCELLED') {
        if (fromPayment) return [];
        throw new OrderError('ORDER_ALREADY_CANCELLED', `order ${meta.orderId} is already cancelled`);
      }
      if (state.status === 'SHIPPED') {
        throw new OrderError(
          'ORDER_ALREADY_SHIPPED',
          `order ${meta.orderId} has shipped and can no longer be cancelled`,
        );
      }
      // A decline only ever cancels an order still waiting for its payment.
      if (fromPayment && state.status !== 'PENDING_PAYMENT') return [];
      return [event('OrderCancelled', { ...command.data, wasPaid: state.paid })];
    }
    case 'ShipOrder':
      switch (state.status) {
        case 'NONE':
          throw notFound(meta.orderId);
        case 'PENDING_PAYMENT':
          throw new OrderError('ORDER_NOT_PAID', `order ${meta.orderId} awaits its payment and cannot ship yet`);
        case 'CANCELLED':
          throw new OrderError('ORDER_ALREADY_CANCELLED', `order ${meta.orderId} is cancelled and cannot ship`);
        case 'SHIPPED':
          throw new OrderError('ORDER_ALREADY_SHIPPED', `order ${meta.orderId} has already shipped`);
        case 'CONFIRMED':
          return [event('OrderShipped', {})];
        default: {
          const unknown: never = state;
          throw new Error(`unhandled order state ${JSON.stringify(unknown)}`);
        }
      }
    default: {
      const unknown: never = command;
      throw new Error(`unhandled command ${JSON.stringify(unknown)}`);
    }
  }
}

const notFound = (orderId: string) => new OrderError('ORDER_NOT_FOUND', `order ${orderId} does not exist`);
const missingId = (index: number): never => {
  throw new Error(`decide needs an event id at position ${index}`);
};

export const decider = { decide, evolve, initialState };
