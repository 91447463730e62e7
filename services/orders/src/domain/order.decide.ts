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
/** By the customer, or by the saga on a decline. A timeout is `ExpirePayment`'s to decide, with its deadline check. */
export type CancelOrder = {
  type: 'CancelOrder';
  data: { cause: Exclude<z.infer<typeof CancellationCause>, 'PAYMENT_TIMEOUT'>; reason: string };
};
export type ShipOrder = { type: 'ShipOrder'; data: Record<string, never> };
/**
 * Cancel the order if it still awaits its payment `deadlineMs` after it was
 * placed (measured to `meta.now`); otherwise nothing. Sent by the payment
 * deadline sweep, which may see a stale read model or race a payment: a
 * command that finds nothing to do is a no-op, not an error.
 */
export type ExpirePayment = { type: 'ExpirePayment'; data: { deadlineMs: number } };
export type OrderCommand = PlaceOrder | ConfirmOrder | CancelOrder | ShipOrder | ExpirePayment;

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
    case 'ExpirePayment':
      switch (state.status) {
        case 'NONE':
          throw notFound(meta.orderId);
        case 'PENDING_PAYMENT': {
          const { deadlineMs } = command.data;
          if (Date.parse(meta.now) - Date.parse(state.createdAt) < deadlineMs) return [];
          return [
            event('OrderCancelled', {
              cause: 'PAYMENT_TIMEOUT',
              reason: `payment not received within ${durationText(deadlineMs)}`,
              wasPaid: false,
            }),
          ];
        }
        // Paid, cancelled or shipped meanwhile: a payment, the customer or another sweep came first.
        case 'CONFIRMED':
        case 'CANCELLED':
        case 'SHIPPED':
          return [];
        default: {
          const unknown: never = state;
          throw new Error(`unhandled order state ${JSON.stringify(unknown)}`);
        }
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
/** `900000` → `15 min`: the largest whole unit, for the reason a customer reads. */
const durationText = (ms: number): string => {
  const units = [
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1_000, 's'],
  ] as const;
  const [size, unit] = units.find(([size]) => ms % size === 0) ?? [1, 'ms'];
  return `${ms / size} ${unit}`;
};
const missingId = (index: number): never => {
  throw new Error(`decide needs an event id at position ${index}`);
};

export const decider = { decide, evolve, initialState };
