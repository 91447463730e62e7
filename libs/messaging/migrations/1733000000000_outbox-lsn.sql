-- Up Migration
-- Where the WAL stood when each outbox row was inserted (at or before the
-- row's own record): a row is relayed once Debezium has confirmed a position
-- past it (its replication slot's confirmed_flush_lsn). The outbox backlog metric counts the rows past that
-- position, and the pruner keeps them (libs/messaging/src/outbox/).
ALTER TABLE outbox ADD COLUMN lsn pg_lsn NOT NULL DEFAULT pg_current_wal_insert_lsn();

-- Down Migration
ALTER TABLE outbox DROP COLUMN lsn;
