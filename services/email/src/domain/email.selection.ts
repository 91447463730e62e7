import type {
  DomainEvent,
  EmailKind,
  EventType,
  OrderCancelledV1,
  OrderConfirmedV1,
  OrderPlacedV1,
  OrderShippedV1,
  PaymentRefundedV1,
} from '@orderflow/events';
import type { z } from 'zod';
import { type TemplateModel, commonModel, formatMoney, orderReceivedModel } from './email.model';

/**
 * Which email a customer-facing event calls for. Pure: the application
 * queues it, the sender renders, sends and records it. PaymentAuthorized and
 * PaymentDeclined send nothing: the customer hears the outcome from the
 * order's own OrderConfirmed or OrderCancelled.
 */
export type NotificationEvent =
  OrderPlacedV1 | OrderConfirmedV1 | OrderCancelledV1 | OrderShippedV1 | PaymentRefundedV1;

export const notificationTypes = [
  'OrderPlaced',
  'OrderConfirmed',
  'OrderCancelled',
  'OrderShipped',
  'PaymentRefunded',
] as const satisfies readonly NotificationEvent['type'][];

export const isNotificationEvent = (event: DomainEvent): event is NotificationEvent =>
  (notificationTypes as readonly EventType[]).includes(event.type);
export type EmailKindName = z.infer<typeof EmailKind>;

export interface EmailToSend {
  kind: EmailKindName;
  orderId: string;
  /** The event it answers: one email per event. */
  triggeredBy: string;
  /** Derived from the event id, so a second send of the same email is recognisable by its receiver. */
  messageId: string;
  /** Only OrderPlaced names the customer; later emails go to the address it gave. */
  customerEmail?: string;
  model: TemplateModel;
}

export const messageIdFor = (eventId: string): string => `<${eventId}@orderflow.local>`;

export function emailFor(event: NotificationEvent): EmailToSend {
  const orderId = event.aggregateId;
  const base = { orderId, triggeredBy: event.eventId, messageId: messageIdFor(event.eventId) };
  switch (event.type) {
    case 'OrderPlaced': {
      const { customerEmail, items, totalCents, currency } = event.payload;
      return {
        ...base,
        kind: 'ORDER_RECEIVED',
        customerEmail,
        model: orderReceivedModel(orderId, items, totalCents, currency),
      };
    }
    case 'OrderConfirmed':
      return { ...base, kind: 'ORDER_CONFIRMED', model: commonModel(orderId) };
    case 'OrderCancelled': {
      const { reason, cause, wasPaid } = event.payload;
      return {
        ...base,
        kind: 'ORDER_CANCELLED',
        model: { ...commonModel(orderId), reason, byCustomer: cause === 'CUSTOMER_REQUEST', refundFollows: wasPaid },
      };
    }
    case 'OrderShipped':
      return { ...base, kind: 'ORDER_SHIPPED', model: commonModel(orderId) };
    case 'PaymentRefunded': {
      const { amountCents, currency, reason } = event.payload;
      return {
        ...base,
        kind: 'REFUND_ISSUED',
        model: { ...commonModel(orderId), amount: formatMoney(amountCents, currency), reason },
      };
    }
    default: {
      const unknown: never = event;
      throw new Error(`no email for ${JSON.stringify(unknown)}`);
    }
  }
}
