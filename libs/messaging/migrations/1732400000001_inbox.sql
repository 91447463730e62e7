-- Up Migration
-- The idempotent-consumer inbox: an event id is processed once per consumer
-- group. The row is inserted in the same transaction as the handler's effect.
CREATE TABLE processed_events (
  consumer_group text        NOT NULL,
  event_id       uuid        NOT NULL,
  processed_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer_group, event_id)
);

-- Down Migration
DROP TABLE processed_events;
