import { TransientError } from '@orderflow/messaging';
import type { AuthorizationOutcome } from '../domain/payment.decide';

/**
 * The payment provider, as the application sees it. Every call carries an
 * idempotency key (the order id): the provider answers a repeated call with
 * the first call's result, so a retry after a lost answer or a rolled-back
 * transaction never charges or refunds twice.
 */
export interface PaymentGateway {
  authorize(request: AuthorizationRequest): Promise<AuthorizationOutcome>;
  refund(request: RefundRequest): Promise<RefundReceipt>;
}
export const PAYMENT_GATEWAY = Symbol('PAYMENT_GATEWAY');

export interface AuthorizationRequest {
  idempotencyKey: string;
  amountCents: number;
  currency: string;
}
export interface RefundRequest {
  idempotencyKey: string;
  authorizationId: string;
  amountCents: number;
  currency: string;
}
export interface RefundReceipt {
  refundId: string;
}

/** The provider did not answer (down, timed out, answer lost): the same call may succeed later. */
export class GatewayUnavailableError extends TransientError {
  override readonly name = 'GatewayUnavailableError';
}

/** The provider refused the request itself; repeating it changes nothing. */
export class GatewayRejectedError extends Error {
  override readonly name = 'GatewayRejectedError';
  constructor(
    readonly code: 'IDEMPOTENCY_KEY_REUSED' | 'UNKNOWN_AUTHORIZATION',
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
