import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { prepared } from '@orderflow/messaging';
import type { Pool } from 'pg';
import type { AuthorizationOutcome } from '../domain/payment.decide';
import {
  type AuthorizationRequest,
  GatewayRejectedError,
  GatewayUnavailableError,
  type PaymentGateway,
  type RefundReceipt,
  type RefundRequest,
} from './payment-gateway.port';

export interface SimulatedGatewayOptions {
  /** Totals above this are declined with LIMIT_EXCEEDED (in the request's minor units). */
  limitCents: number;
  /** Added to every call. */
  latencyMs: number;
  /** Share of calls (0..1) whose answer is lost: the provider did the work, the caller sees an error. */
  failureRate: number;
  /** For tests: where the failure dice come from. */
  random?: () => number;
}

interface ChargeRow {
  amount_cents: string;
  currency: string;
  outcome: 'AUTHORIZED' | 'DECLINED';
  authorization_id: string | null;
  decline_reason: string | null;
}

// Insert, or read what the first call with this key recorded: one round trip either way.
const authorizeOnce = prepared(
  'payments.gateway.authorize',
  `WITH inserted AS (
     INSERT INTO gateway_charges (idempotency_key, amount_cents, currency, outcome, authorization_id, decline_code, decline_reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING amount_cents, currency, outcome, authorization_id, decline_reason
   )
   SELECT * FROM inserted
   UNION ALL
   SELECT amount_cents, currency, outcome, authorization_id, decline_reason
   FROM gateway_charges WHERE idempotency_key = $1 AND NOT EXISTS (SELECT 1 FROM inserted)`,
);

/**
 * A payment provider simulated in the payments database (`gateway_charges`,
 * keyed by the idempotency key), reached on its own connections from its own
 * pool and never inside the consumer's transaction — as an external provider
 * would be: what it recorded stays recorded when the caller's transaction
 * rolls back, which is what the idempotency key is for.
 *
 * A simulated failure strikes after the provider recorded the call (the
 * answer is lost on the way back), so a fault test exercises the retry path
 * that matters: the second call with the same key returns the first result.
 */
export class SimulatedPaymentGateway implements PaymentGateway {
  private readonly random: () => number;

  constructor(
    private readonly db: Pool,
    private readonly options: SimulatedGatewayOptions,
  ) {
    this.random = options.random ?? Math.random;
  }

  async authorize(request: AuthorizationRequest): Promise<AuthorizationOutcome> {
    await this.latency();
    const { idempotencyKey, amountCents, currency } = request;
    const over = amountCents > this.options.limitCents;
    const reason = over
      ? `the total of ${amountCents} exceeds the limit of ${this.options.limitCents} (${currency} minor units)`
      : null;
    const { rows } = await this.db.query<ChargeRow>(
      authorizeOnce([
        idempotencyKey,
        amountCents,
        currency,
        over ? 'DECLINED' : 'AUTHORIZED',
        over ? null : `auth_${randomUUID()}`,
        over ? 'LIMIT_EXCEEDED' : null,
        reason,
      ]),
    );
    const charge = rows[0];
    // A concurrent first call with the same key, not committed when this statement began.
    if (!charge) throw new GatewayUnavailableError(`authorization ${idempotencyKey} is in progress`);
    if (Number(charge.amount_cents) !== amountCents || charge.currency !== currency) {
      throw new GatewayRejectedError(
        'IDEMPOTENCY_KEY_REUSED',
        `key ${idempotencyKey} was used for ${charge.amount_cents} ${charge.currency}, not ${amountCents} ${currency}`,
      );
    }
    this.maybeLoseAnswer(`authorize ${idempotencyKey}`);
    return charge.outcome === 'AUTHORIZED'
      ? { result: 'AUTHORIZED', authorizationId: charge.authorization_id! }
      : { result: 'DECLINED', code: 'LIMIT_EXCEEDED', reason: charge.decline_reason! };
  }

  async refund(request: RefundRequest): Promise<RefundReceipt> {
    await this.latency();
    const { idempotencyKey, authorizationId, amountCents, currency } = request;
    // COALESCE keeps the first refund's id: a repeated refund returns it instead of refunding again.
    const { rows } = await this.db.query<{ refund_id: string }>(
      `UPDATE gateway_charges
       SET refund_id = COALESCE(refund_id, $3), refunded_at = COALESCE(refunded_at, now())
       WHERE idempotency_key = $1 AND authorization_id = $2 AND outcome = 'AUTHORIZED'
         AND amount_cents = $4 AND currency = $5
       RETURNING refund_id`,
      [idempotencyKey, authorizationId, `refund_${randomUUID()}`, amountCents, currency],
    );
    if (!rows[0]) {
      throw new GatewayRejectedError(
        'UNKNOWN_AUTHORIZATION',
        `no authorization ${authorizationId} of ${amountCents} ${currency} under key ${idempotencyKey}`,
      );
    }
    this.maybeLoseAnswer(`refund ${idempotencyKey}`);
    return { refundId: rows[0].refund_id };
  }

  private async latency(): Promise<void> {
    if (this.options.latencyMs > 0) await sleep(this.options.latencyMs);
  }

  private maybeLoseAnswer(call: string): void {
    if (this.options.failureRate > 0 && this.random() < this.options.failureRate) {
      throw new GatewayUnavailableError(`simulated failure: the answer to ${call} was lost`);
    }
  }
}
