-- Up Migration
-- Insertion order, for the polling relay (libs/messaging/src/outbox/polling.relay.ts),
-- which must publish one aggregate's rows in the order they were written.
-- Debezium does not need it (it reads the WAL in commit order) and ignores it.
ALTER TABLE outbox ADD COLUMN position bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX outbox_position ON outbox (position);

-- Down Migration
ALTER TABLE outbox DROP COLUMN position;
