-- Up Migration
-- The trace context of the consumer span that queued the email (its triggering
-- event's): the sender's span continues that trace, and so does EmailSent.
ALTER TABLE emails ADD COLUMN traceparent text;

-- Down Migration
ALTER TABLE emails DROP COLUMN traceparent;
