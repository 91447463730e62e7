import { randomUUID } from 'node:crypto';
import {
  OrderCancelledV1,
  OrderConfirmedV1,
  OrderPlacedV1,
  OrderShippedV1,
  PaymentRefundedV1,
} from '@orderflow/events';
import { anOrderPlaced } from '../../../../test/support/event.factory';
import {
  aPaymentRefunded,
  anOrderCancelled,
  anOrderConfirmed,
  anOrderShipped,
} from '../../../../test/support/follow-up-events.factory';
import { formatMoney } from './email.model';
import { emailFor, messageIdFor } from './email.selection';

const orderId = '3f2b8c1d-0a4e-4c6b-9d7e-5a1b2c3d4e5f';
const placed = OrderPlacedV1.parse(
  anOrderPlaced(
    {
      customerEmail: 'ada@example.com',
      currency: 'EUR',
      items: [
        { sku: 'BOOK-1', quantity: 2, unitPriceCents: 1250 },
        { sku: 'PEN-9', quantity: 1, unitPriceCents: 199 },
      ],
      totalCents: 2699,
    },
    { aggregateId: orderId },
  ),
);
const common = { orderId, orderRef: '3F2B8C1D' };

describe('which email an event calls for', () => {
  it('OrderPlaced: ORDER_RECEIVED to the address it names, with the lines and the total', () => {
    expect(emailFor(placed)).toEqual({
      kind: 'ORDER_RECEIVED',
      orderId,
      triggeredBy: placed.eventId,
      messageId: `<${placed.eventId}@orderflow.local>`,
      customerEmail: 'ada@example.com',
      model: {
        ...common,
        items: [
          { sku: 'BOOK-1', quantity: 2, unitPrice: '€12.50', lineTotal: '€25.00' },
          { sku: 'PEN-9', quantity: 1, unitPrice: '€1.99', lineTotal: '€1.99' },
        ],
        total: '€26.99',
      },
    });
  });

  it('OrderConfirmed: ORDER_CONFIRMED, to the address OrderPlaced gave', () => {
    const confirmed = OrderConfirmedV1.parse(anOrderConfirmed(placed));
    expect(emailFor(confirmed)).toEqual({
      kind: 'ORDER_CONFIRMED',
      orderId,
      triggeredBy: confirmed.eventId,
      messageId: messageIdFor(confirmed.eventId),
      model: common,
    });
  });

  it('OrderCancelled by the customer after paying: ORDER_CANCELLED with the reason, announcing the refund', () => {
    const cancelled = OrderCancelledV1.parse(
      anOrderCancelled(placed, { cause: 'CUSTOMER_REQUEST', reason: 'changed my mind', wasPaid: true }),
    );
    expect(emailFor(cancelled)).toMatchObject({
      kind: 'ORDER_CANCELLED',
      model: { ...common, reason: 'changed my mind', byCustomer: true, refundFollows: true },
    });
  });

  it('OrderCancelled because the payment was declined: no refund to announce', () => {
    const cancelled = OrderCancelledV1.parse(
      anOrderCancelled(placed, { cause: 'PAYMENT_DECLINED', reason: 'payment declined', wasPaid: false }),
    );
    expect(emailFor(cancelled).model).toEqual({
      ...common,
      reason: 'payment declined',
      byCustomer: false,
      refundFollows: false,
    });
  });

  it('OrderShipped: ORDER_SHIPPED', () => {
    const shipped = OrderShippedV1.parse(anOrderShipped(placed));
    expect(emailFor(shipped)).toMatchObject({ kind: 'ORDER_SHIPPED', model: common });
  });

  it('PaymentRefunded: REFUND_ISSUED with the amount and the reason', () => {
    const refunded = PaymentRefundedV1.parse(
      aPaymentRefunded(placed, { amountCents: 2699, reason: 'order cancelled' }),
    );
    expect(emailFor(refunded)).toMatchObject({
      kind: 'REFUND_ISSUED',
      triggeredBy: refunded.eventId,
      model: { ...common, amount: '€26.99', reason: 'order cancelled' },
    });
  });

  it('derives the Message-ID from the event id alone, so a second send of one email carries the same one', () => {
    const eventId = randomUUID();
    expect(messageIdFor(eventId)).toBe(`<${eventId}@orderflow.local>`);
    expect(emailFor({ ...placed, eventId }).messageId).toBe(emailFor({ ...placed, eventId }).messageId);
  });
});

describe('money in emails', () => {
  it.each([
    [2500, 'EUR', '€25.00'],
    [123456, 'USD', '$1,234.56'],
    [2500, 'JPY', '¥2,500'],
    [1500, 'KWD', 'KWD 1.500'],
  ])('%i minor units of %s read %s', (cents, currency, text) => {
    expect(formatMoney(cents, currency).replace(/\u00a0/g, ' ')).toBe(text);
  });
});
