-- Up Migration
-- Who to write to about an order: OrderPlaced names the customer, every later
-- event of the order is sent to that address. `emails_sent` is the order's
-- email stream position: the n-th EmailSent of the order has aggregateVersion n.
-- Updating it takes the row lock, so two emails about one order (its
-- orders.events and payments.events partitions are handled concurrently)
-- never get the same position.
CREATE TABLE order_recipients (
  order_id       uuid        PRIMARY KEY,
  customer_email text        NOT NULL,
  emails_sent    integer     NOT NULL CHECK (emails_sent >= 0),
  first_seen_at  timestamptz NOT NULL DEFAULT now()
);

-- What was sent: one email per triggering event, recorded in the transaction
-- that also writes the EmailSent outbox row and the inbox row.
CREATE TABLE emails (
  event_id   uuid        PRIMARY KEY,
  order_id   uuid        NOT NULL,
  kind       text        NOT NULL,
  recipient  text        NOT NULL,
  message_id text        NOT NULL UNIQUE,
  sent_at    timestamptz NOT NULL
);
CREATE INDEX emails_order_id_idx ON emails (order_id, sent_at);

-- Down Migration
DROP TABLE emails;
DROP TABLE order_recipients;
