-- Up Migration
-- The event store: an order's events, one row each, in stream order. The
-- primary key (order_id, version) is the optimistic-concurrency check: two
-- commands that read the same version both try to write version + 1, and one
-- of them fails, so a stream never forks and never has a gap.
CREATE TABLE order_events (
  order_id       uuid        NOT NULL,
  version        integer     NOT NULL CHECK (version > 0),
  event_id       uuid        NOT NULL UNIQUE,
  type           text        NOT NULL,
  schema_version integer     NOT NULL,
  occurred_at    timestamptz NOT NULL,
  correlation_id uuid        NOT NULL,
  causation_id   uuid,
  envelope       jsonb       NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, version)
);

-- A retried POST /orders with the same Idempotency-Key returns the order the
-- first one created.
CREATE TABLE idempotency_keys (
  key          text        PRIMARY KEY,
  order_id     uuid        NOT NULL,
  request_hash text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- The read model, rebuilt by the replay command; versioned so a new shape can
-- be filled beside the live one.
CREATE TABLE orders_view_v1 (
  id                  uuid        PRIMARY KEY,
  status              text        NOT NULL,
  customer_id         text        NOT NULL,
  customer_email      text        NOT NULL,
  currency            text        NOT NULL,
  items               jsonb       NOT NULL,
  total_cents         bigint      NOT NULL,
  paid                boolean     NOT NULL,
  cancellation_cause  text,
  cancellation_reason text,
  version             integer     NOT NULL,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL
);
CREATE INDEX orders_view_v1_page ON orders_view_v1 (created_at, id);
CREATE INDEX orders_view_v1_status_page ON orders_view_v1 (status, created_at, id);
CREATE INDEX orders_view_v1_customer_page ON orders_view_v1 (customer_id, created_at, id);

-- Down Migration
DROP TABLE orders_view_v1;
DROP TABLE idempotency_keys;
DROP TABLE order_events;
