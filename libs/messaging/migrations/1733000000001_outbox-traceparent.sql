-- Up Migration
-- The W3C trace context of the span that wrote the row (libs/messaging
-- src/tracing): Debezium's EventRouter places it in the event's `traceparent`
-- Kafka header (infra/connectors), and the consumer continues the trace from
-- it. NULL when nothing was traced.
ALTER TABLE outbox ADD COLUMN traceparent text;

-- Down Migration
ALTER TABLE outbox DROP COLUMN traceparent;
