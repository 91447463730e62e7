-- Up Migration
-- Emails become a queue. The consumer records each email to send in its batch
-- transaction (status QUEUED, with the triggering event); the sender
-- (src/application/email.sender.ts) claims due rows, sends them over pooled
-- SMTP connections and marks each SENT with its EmailSent outbox row — or
-- REJECTED, with the reason, when the server refuses it for good. Rows written
-- before this migration were all sent: they read SENT.

-- An order first seen through a payments.events event (it overtook the
-- order's OrderPlaced) gets its row before its address is known.
ALTER TABLE order_recipients ALTER COLUMN customer_email DROP NOT NULL;
-- The highest position handed out in the order's email stream (position 1 is
-- OrderPlaced's email, whenever it comes). Taking a position updates the row,
-- so two transactions queueing emails of one order (its orders.events and
-- payments.events partitions) are serialised by its lock and commit their
-- positions in order.
ALTER TABLE order_recipients RENAME COLUMN emails_sent TO last_position;

ALTER TABLE emails
  ALTER COLUMN recipient DROP NOT NULL,
  ALTER COLUMN sent_at DROP NOT NULL,
  -- Existing rows take the first default (no rewrite), new rows the second.
  ADD COLUMN status text NOT NULL DEFAULT 'SENT' CHECK (status IN ('QUEUED', 'SENT', 'REJECTED')),
  ADD COLUMN attempts integer NOT NULL DEFAULT 1 CHECK (attempts >= 0),
  -- The email's place in its order's stream: the order it is sent in, and EmailSent's aggregateVersion.
  ADD COLUMN position integer,
  -- The triggering event's envelope: the template model is computed from it at
  -- send time, and a rejected email's dead letter carries it.
  ADD COLUMN event jsonb,
  -- EmailSent's event id, fixed when queued: recording one email twice
  -- conflicts on the outbox key instead of publishing a second EmailSent.
  ADD COLUMN sent_event_id uuid UNIQUE,
  -- When the row may be claimed: a claim moves it one lease ahead (a sender
  -- that dies leaves it to another once the lease is over), a transient
  -- failure one backoff ahead.
  ADD COLUMN next_attempt_at timestamptz,
  -- The sender that claimed it last (EMAIL_SENDER_ID): a sender restarting
  -- under the same id takes its dead predecessor's claims back at once
  -- instead of waiting for their leases.
  ADD COLUMN claimed_by text,
  -- Why the last try failed, or why the email was rejected.
  ADD COLUMN last_error text,
  ADD COLUMN queued_at timestamptz;
ALTER TABLE emails
  ALTER COLUMN status SET DEFAULT 'QUEUED',
  ALTER COLUMN attempts SET DEFAULT 0,
  ALTER COLUMN next_attempt_at SET DEFAULT now(),
  ALTER COLUMN queued_at SET DEFAULT now(),
  ADD CONSTRAINT emails_queued_complete
    CHECK (status <> 'QUEUED' OR (event IS NOT NULL AND position IS NOT NULL AND sent_event_id IS NOT NULL
                                  AND next_attempt_at IS NOT NULL)),
  ADD CONSTRAINT emails_sent_complete CHECK (status <> 'SENT' OR (recipient IS NOT NULL AND sent_at IS NOT NULL));

-- What a sender claims: due, addressed, oldest due first.
CREATE INDEX emails_due_idx ON emails (next_attempt_at) WHERE status = 'QUEUED' AND recipient IS NOT NULL;
-- An order's unsent emails in stream order: only its first is claimable, and
-- OrderPlaced addresses the ones that waited for it.
CREATE INDEX emails_queued_idx ON emails (order_id, position) WHERE status = 'QUEUED';

-- Down Migration
DROP INDEX emails_queued_idx;
DROP INDEX emails_due_idx;
DELETE FROM emails WHERE status <> 'SENT';
ALTER TABLE emails
  DROP CONSTRAINT emails_sent_complete,
  DROP CONSTRAINT emails_queued_complete,
  DROP COLUMN queued_at,
  DROP COLUMN last_error,
  DROP COLUMN claimed_by,
  DROP COLUMN next_attempt_at,
  DROP COLUMN sent_event_id,
  DROP COLUMN event,
  DROP COLUMN position,
  DROP COLUMN attempts,
  DROP COLUMN status,
  ALTER COLUMN sent_at SET NOT NULL,
  ALTER COLUMN recipient SET NOT NULL;
ALTER TABLE order_recipients RENAME COLUMN last_position TO emails_sent;
DELETE FROM order_recipients WHERE customer_email IS NULL;
ALTER TABLE order_recipients ALTER COLUMN customer_email SET NOT NULL;
