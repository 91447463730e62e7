-- Up Migration
-- Applied to every service's database, before the service's own migrations
-- (infra/src/provision/databases.provision.ts `migrate`).
-- The transactional outbox, in the columns Debezium's outbox EventRouter reads
-- (id, aggregatetype, aggregateid, type, payload) plus the envelope fields it
-- places in Kafka headers. A row is written in the same transaction as the
-- state change it announces; Debezium relays it from the WAL.
CREATE TABLE outbox (
  id               uuid PRIMARY KEY,
  aggregatetype    text        NOT NULL,
  aggregateid      text        NOT NULL,
  type             text        NOT NULL,
  schemaversion    integer     NOT NULL DEFAULT 1,
  aggregateversion integer,
  correlationid    uuid,
  causationid      uuid,
  occurredat       timestamptz NOT NULL DEFAULT now(),
  payload          jsonb       NOT NULL
);
-- Debezium reads inserts from the WAL, so a row can be deleted once committed;
-- REPLICA IDENTITY stays DEFAULT (the key) as deletes carry nothing we route.

-- Down Migration
DROP TABLE outbox;
