-- Up Migration
-- One row per order's payment: the state the domain decides on
-- (src/domain/payment.ts) and `version`, how many events the payment's own
-- stream has — the next PaymentAuthorized/Declined/Refunded of the order gets
-- aggregateVersion = version + 1. A save checks the version it loaded.
CREATE TABLE payments (
  order_id         uuid        PRIMARY KEY,
  status           text        NOT NULL CHECK (status IN ('AUTHORIZED', 'DECLINED', 'REFUNDED')),
  amount_cents     bigint      NOT NULL CHECK (amount_cents >= 0),
  currency         text        NOT NULL,
  authorization_id text,
  decline_code     text,
  reason           text,
  version          integer     NOT NULL CHECK (version > 0),
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL
);

-- The simulated payment provider's own records (src/gateway/simulated.payment-gateway.ts),
-- one per idempotency key (the order id): a repeated call finds the first
-- call's row and answers with it, so a retry never charges or refunds twice.
-- Written outside the consumer's transactions, as a real provider would be.
CREATE TABLE gateway_charges (
  idempotency_key  text        PRIMARY KEY,
  amount_cents     bigint      NOT NULL CHECK (amount_cents >= 0),
  currency         text        NOT NULL,
  outcome          text        NOT NULL CHECK (outcome IN ('AUTHORIZED', 'DECLINED')),
  authorization_id text        UNIQUE,
  decline_code     text,
  decline_reason   text,
  refund_id        text        UNIQUE,
  created_at       timestamptz NOT NULL DEFAULT now(),
  refunded_at      timestamptz
);

-- Down Migration
DROP TABLE gateway_charges;
DROP TABLE payments;
