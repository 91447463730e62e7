import type { AnyEnvelope } from '@orderflow/events';
import { prepared } from '../db/prepared';
import type { Queryable } from '../db/transaction';

const insertOutbox = prepared(
  'messaging.outbox.insert',
  `INSERT INTO outbox (id, aggregatetype, aggregateid, type, schemaversion, aggregateversion,
                         correlationid, causationid, occurredat, payload)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[],
                          $7::uuid[], $8::uuid[], $9::timestamptz[], $10::jsonb[])`,
);

/**
 * Writes events into the service's outbox table, inside the caller's
 * transaction: they reach Kafka (through Debezium) if and only if the
 * transaction commits. The `payload` column holds the whole envelope, which
 * becomes the Kafka value; the envelope fields go to columns that the
 * connector places in headers (infra/connectors). One statement for any
 * number of events.
 */
export async function writeToOutbox(tx: Queryable, events: readonly AnyEnvelope[]): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    insertOutbox([
      events.map((e) => e.eventId),
      events.map((e) => e.aggregateType),
      events.map((e) => e.aggregateId),
      events.map((e) => e.type),
      events.map((e) => e.schemaVersion),
      events.map((e) => e.aggregateVersion),
      events.map((e) => e.correlationId),
      events.map((e) => e.causationId),
      events.map((e) => e.occurredAt),
      events.map((e) => JSON.stringify(e)),
    ]),
  );
}
