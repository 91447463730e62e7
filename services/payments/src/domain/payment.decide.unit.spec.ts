import { randomUUID } from 'node:crypto';
import { DeciderSpecification } from '@event-driven-io/emmett';
import type { PaymentAuthorized, PaymentDeclined, PaymentEvent, PaymentRefunded } from './payment';
import { evolve, initialState } from './payment';
import {
  type AuthorizePayment,
  PaymentError,
  type PaymentErrorCode,
  type RefundPayment,
  decider,
  isRefundable,
} from './payment.decide';

const given = DeciderSpecification.for(decider);

const orderId = randomUUID();
const now = new Date('2026-11-24T10:00:00.000Z');
const later = new Date('2026-11-24T11:00:00.000Z');
const money = { amountCents: 2500, currency: 'EUR' };

const authorize = (outcome: AuthorizePayment['data']['outcome']): AuthorizePayment => ({
  type: 'AuthorizePayment',
  data: { orderId, ...money, outcome },
  metadata: { now },
});
const approvedByGateway = authorize({ result: 'AUTHORIZED', authorizationId: 'auth-1' });
const declinedByGateway = authorize({ result: 'DECLINED', code: 'LIMIT_EXCEEDED', reason: 'over the limit' });
const refund: RefundPayment = {
  type: 'RefundPayment',
  data: { orderId, reason: 'order cancelled: changed my mind' },
  metadata: { now: later },
};

const authorized: PaymentAuthorized = {
  type: 'PaymentAuthorized',
  data: { orderId, ...money, authorizationId: 'auth-1', authorizedAt: now.toISOString() },
};
const declined: PaymentDeclined = {
  type: 'PaymentDeclined',
  data: { orderId, ...money, code: 'LIMIT_EXCEEDED', reason: 'over the limit', declinedAt: now.toISOString() },
};
const refunded: PaymentRefunded = {
  type: 'PaymentRefunded',
  data: { orderId, ...money, reason: 'order cancelled: changed my mind', refundedAt: later.toISOString() },
};

const refusedWith = (code: PaymentErrorCode) => (error: PaymentError) => error.code === code;

describe('payment decider', () => {
  describe('When there is no payment', () => {
    it('records an authorization the gateway gave', () => {
      given([]).when(approvedByGateway).then([authorized]);
    });

    it('records a decline the gateway gave, with its code and reason', () => {
      given([]).when(declinedByGateway).then([declined]);
    });

    it('refuses a refund: there is nothing to give back', () => {
      given([]).when(refund).thenThrows(PaymentError, refusedWith('PAYMENT_NOT_FOUND'));
    });
  });

  describe('When authorized', () => {
    it('refunds the authorized amount', () => {
      given([authorized]).when(refund).then([refunded]);
    });

    it('refunds it when the order was cancelled because its payment came after the deadline', () => {
      const reason = 'order cancelled: payment not received within 15 min';
      given([authorized])
        .when({ ...refund, data: { orderId, reason } })
        .then([{ ...refunded, data: { ...refunded.data, reason } }]);
    });

    it.each([
      ['an authorization', approvedByGateway],
      ['a decline', declinedByGateway],
    ])('refuses %s: the payment is already decided', (_, command) => {
      given([authorized]).when(command).thenThrows(PaymentError, refusedWith('PAYMENT_ALREADY_DECIDED'));
    });
  });

  describe('When declined', () => {
    it('refuses a refund: nothing was charged', () => {
      given([declined]).when(refund).thenThrows(PaymentError, refusedWith('PAYMENT_NOT_AUTHORIZED'));
    });

    it.each([
      ['an authorization', approvedByGateway],
      ['a decline', declinedByGateway],
    ])('refuses %s: the payment is already decided', (_, command) => {
      given([declined]).when(command).thenThrows(PaymentError, refusedWith('PAYMENT_ALREADY_DECIDED'));
    });
  });

  describe('When refunded', () => {
    it('refuses a second refund', () => {
      given([authorized, refunded]).when(refund).thenThrows(PaymentError, refusedWith('PAYMENT_ALREADY_REFUNDED'));
    });

    it.each([
      ['an authorization', approvedByGateway],
      ['a decline', declinedByGateway],
    ])('refuses %s: the payment is already decided', (_, command) => {
      given([authorized, refunded]).when(command).thenThrows(PaymentError, refusedWith('PAYMENT_ALREADY_DECIDED'));
    });
  });
});

describe('payment state', () => {
  const stateAfter = (events: PaymentEvent[]) => events.reduce(evolve, initialState());

  it('is what each event says, stamped with its time', () => {
    expect(stateAfter([])).toEqual({ status: 'NONE' });
    expect(stateAfter([authorized])).toEqual({
      status: 'AUTHORIZED',
      orderId,
      ...money,
      authorizationId: 'auth-1',
      updatedAt: now.toISOString(),
    });
    expect(stateAfter([declined])).toEqual({
      status: 'DECLINED',
      orderId,
      ...money,
      code: 'LIMIT_EXCEEDED',
      reason: 'over the limit',
      updatedAt: now.toISOString(),
    });
    expect(stateAfter([authorized, refunded])).toEqual({
      status: 'REFUNDED',
      orderId,
      ...money,
      authorizationId: 'auth-1',
      reason: 'order cancelled: changed my mind',
      updatedAt: later.toISOString(),
    });
  });

  it('ignores a refund of a payment that was never authorized', () => {
    expect(stateAfter([declined, refunded])).toEqual(stateAfter([declined]));
  });

  it('has money to give back on cancellation only when authorized', () => {
    expect(isRefundable(stateAfter([authorized]))).toBe(true);
    expect(isRefundable(stateAfter([]))).toBe(false);
    expect(isRefundable(stateAfter([declined]))).toBe(false);
    expect(isRefundable(stateAfter([authorized, refunded]))).toBe(false);
  });
});
