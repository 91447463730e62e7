-- Up Migration
-- One row per dead letter put back on its source topic (`npm run dlq -- redrive`),
-- keyed by where the dead letter sits: each dead letter is redriven at most once.
-- The row is inserted, the message produced (acks=all), and only then is the
-- transaction committed (libs/messaging/src/dead-letters/dead-letter.redriver.ts):
-- a failed produce leaves no row, and a second redrive of the same dead letter
-- waits on this key and then finds it taken. `target_partition`/`target_offset`
-- are filled in after the produce, inside that transaction; a committed row has them.
CREATE TABLE dead_letter_redrives (
  dead_letter_topic     text        NOT NULL,
  dead_letter_partition integer     NOT NULL,
  dead_letter_offset    bigint      NOT NULL,
  -- Text, not uuid: a message that was dead-lettered for being malformed may carry any id, or none.
  event_id              text,
  event_type            text,
  target_topic          text        NOT NULL,
  target_partition      integer,
  target_offset         bigint,
  redriven_at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dead_letter_topic, dead_letter_partition, dead_letter_offset)
);

-- Down Migration
DROP TABLE dead_letter_redrives;
