import type {
  EventOf,
  OrderCancelledV1,
  OrderConfirmedV1,
  OrderLine,
  OrderPlacedV1,
  OrderShippedV1,
} from '@orderflow/events';

/**
 * An order's events, its state, and `evolve`: the state is
 * `events.reduce(evolve, initialState)`. Pure: no I/O, no clock.
 */
export type OrderEvent = OrderPlacedV1 | OrderConfirmedV1 | OrderCancelledV1 | OrderShippedV1;
export type OrderEventType = OrderEvent['type'];
export const orderEventTypes: readonly OrderEventType[] = [
  'OrderPlaced',
  'OrderConfirmed',
  'OrderCancelled',
  'OrderShipped',
];

export type OrderStatus = 'PENDING_PAYMENT' | 'CONFIRMED' | 'SHIPPED' | 'CANCELLED';

export interface Order {
  status: OrderStatus;
  id: string;
  customerId: string;
  customerEmail: string;
  currency: string;
  items: OrderLine[];
  totalCents: number;
  /** The version of the last event applied: the order's position in its own stream. */
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Set once a payment was authorized: a cancellation after it means a refund. */
  paid: boolean;
  cancellation?: { cause: EventOf<'OrderCancelled'>['payload']['cause']; reason: string };
}

export type OrderState = { status: 'NONE' } | Order;
export const initialState: OrderState = { status: 'NONE' };

export const isOrderEvent = (event: { type: string }): event is OrderEvent =>
  (orderEventTypes as readonly string[]).includes(event.type);

export function evolve(state: OrderState, event: OrderEvent): OrderState {
  const touched = { version: event.aggregateVersion, updatedAt: event.occurredAt };
  switch (event.type) {
    case 'OrderPlaced':
      return {
        status: 'PENDING_PAYMENT',
        id: event.aggregateId,
        customerId: event.payload.customerId,
        customerEmail: event.payload.customerEmail,
        currency: event.payload.currency,
        items: event.payload.items,
        totalCents: event.payload.totalCents,
        createdAt: event.occurredAt,
        paid: false,
        ...touched,
      };
    case 'OrderConfirmed':
      return state.status === 'NONE' ? state : { ...state, status: 'CONFIRMED', paid: true, ...touched };
    case 'OrderCancelled':
      return state.status === 'NONE'
        ? state
        : {
            ...state,
            status: 'CANCELLED',
            cancellation: { cause: event.payload.cause, reason: event.payload.reason },
            ...touched,
          };
    case 'OrderShipped':
      return state.status === 'NONE' ? state : { ...state, status: 'SHIPPED', ...touched };
    default: {
      const unknown: never = event;
      throw new Error(`unhandled order event ${JSON.stringify(unknown)}`);
    }
  }
}

export const fold = (events: readonly OrderEvent[], from: OrderState = initialState): OrderState =>
  events.reduce(evolve, from);
