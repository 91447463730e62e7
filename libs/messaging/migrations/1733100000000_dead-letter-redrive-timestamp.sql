-- Up Migration
-- A redrive row names its dead letter by position and by the letter's record
-- timestamp. The position alone repeats: a Kafka cluster started empty (the
-- stack's switch between one and three brokers) numbers `<service>.dlq` from
-- offset 0 again while this table stays, and a new dead letter at a recorded
-- offset read as already redriven and was never sent back. Its timestamp is
-- later than the old letter's. Kafka's milliseconds fit timestamptz exactly.
--
-- Rows from before this column do not know their letter's time: '-infinity',
-- which no letter has. Such a letter, if still on its topic, now reads as not
-- redriven; redriving it again sends a second copy, which each consumer group
-- that applied the first finds in its inbox and skips.
-- The default only fills those rows: a new claim must name its letter's time.
ALTER TABLE dead_letter_redrives ADD COLUMN dead_letter_timestamp timestamptz NOT NULL DEFAULT '-infinity';
ALTER TABLE dead_letter_redrives ALTER COLUMN dead_letter_timestamp DROP DEFAULT;
ALTER TABLE dead_letter_redrives DROP CONSTRAINT dead_letter_redrives_pkey;
ALTER TABLE dead_letter_redrives
  ADD PRIMARY KEY (dead_letter_topic, dead_letter_partition, dead_letter_offset, dead_letter_timestamp);

-- Down Migration
-- One row per position again: where a position was redriven in more than one
-- cluster, the rows of all but its newest letter are deleted.
DELETE FROM dead_letter_redrives older
  USING dead_letter_redrives newer
  WHERE newer.dead_letter_topic = older.dead_letter_topic
    AND newer.dead_letter_partition = older.dead_letter_partition
    AND newer.dead_letter_offset = older.dead_letter_offset
    AND newer.dead_letter_timestamp > older.dead_letter_timestamp;
ALTER TABLE dead_letter_redrives DROP CONSTRAINT dead_letter_redrives_pkey;
ALTER TABLE dead_letter_redrives DROP COLUMN dead_letter_timestamp;
ALTER TABLE dead_letter_redrives
  ADD PRIMARY KEY (dead_letter_topic, dead_letter_partition, dead_letter_offset);
