import type { AnyEnvelope, DeclineCode } from '@orderflow/events';
import { type Queryable, TransientError, prepared, withOutbox } from '@orderflow/messaging';
import type { Payment, PaymentStatus } from '../domain/payment';

/**
 * The `payments` table: one row per order, the state `decide` works on plus
 * `version`, the number of events the payment's stream has (its next event's
 * aggregateVersion is version + 1). Plain `pg` on the caller's transaction:
 * the row, the inbox row and the outbox rows commit together.
 */
export interface StoredPayment {
  state: Payment;
  /** 0 when the order has no payment yet. */
  version: number;
}

export interface PaymentRow {
  order_id: string;
  status: PaymentStatus;
  amount_cents: string;
  currency: string;
  authorization_id: string | null;
  decline_code: DeclineCode | null;
  reason: string | null;
  version: number;
  updated_at: Date;
}

/** Another writer changed the payment between load and save; a retry reloads it. */
export class PaymentConcurrencyError extends TransientError {
  override readonly name = 'PaymentConcurrencyError';
}

export const selectPayment = prepared('payments.load', 'SELECT * FROM payments WHERE order_id = $1');
const insertPayment = prepared(
  'payments.insert',
  `INSERT INTO payments (order_id, status, amount_cents, currency, authorization_id, decline_code, reason,
                         version, created_at, updated_at)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
   ON CONFLICT (order_id) DO NOTHING`,
);
const updatePayment = prepared(
  'payments.update',
  `UPDATE payments SET status = $2, amount_cents = $3, currency = $4, authorization_id = $5,
                       decline_code = $6, reason = $7, version = $8, updated_at = $9
   WHERE order_id = $1 AND version = $10`,
);

export async function loadPayment(tx: Queryable, orderId: string): Promise<StoredPayment> {
  const { rows } = await tx.query<PaymentRow>(selectPayment([orderId]));
  const row = rows[0];
  return row ? { state: toState(row), version: row.version } : { state: { status: 'NONE' }, version: 0 };
}

/**
 * Writes the state reached after `expectedVersion` and the outbox rows of the
 * events that led there, in one statement; refuses if the row moved on
 * meanwhile (the caller's transaction then rolls the outbox rows back too).
 */
export async function savePayment(
  tx: Queryable,
  state: Payment,
  expectedVersion: number,
  newVersion: number,
  events: readonly AnyEnvelope[],
): Promise<void> {
  if (state.status === 'NONE') return;
  const values = [
    state.orderId,
    state.status,
    state.amountCents,
    state.currency,
    state.status === 'DECLINED' ? null : state.authorizationId,
    state.status === 'DECLINED' ? state.code : null,
    state.status === 'AUTHORIZED' ? null : state.reason,
    newVersion,
    state.updatedAt,
  ];
  const result =
    expectedVersion === 0
      ? await tx.query(withOutbox(insertPayment(values), events))
      : await tx.query(withOutbox(updatePayment([...values, expectedVersion]), events));
  if (result.rowCount !== 1) {
    throw new PaymentConcurrencyError(`the payment of order ${state.orderId} changed after version ${expectedVersion}`);
  }
}

function toState(row: PaymentRow): Payment {
  const known = {
    orderId: row.order_id,
    amountCents: Number(row.amount_cents),
    currency: row.currency,
    updatedAt: row.updated_at.toISOString(),
  };
  switch (row.status) {
    case 'AUTHORIZED':
      return { ...known, status: 'AUTHORIZED', authorizationId: row.authorization_id! };
    case 'DECLINED':
      return { ...known, status: 'DECLINED', code: row.decline_code!, reason: row.reason! };
    case 'REFUNDED':
      return { ...known, status: 'REFUNDED', authorizationId: row.authorization_id!, reason: row.reason! };
    default: {
      const unknown: never = row.status;
      throw new Error(`unknown payment status ${String(unknown)}`);
    }
  }
}
