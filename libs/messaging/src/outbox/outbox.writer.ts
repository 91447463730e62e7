import type { AnyEnvelope } from '@orderflow/events';
import type { QueryConfig } from 'pg';
import { prepared } from '../db/prepared';
import type { Queryable } from '../db/transaction';
import { traceparentOf } from '../tracing/trace-context';

/** The outbox insert, its eleven array parameters numbered from `$first`. */
const outboxInsert = (first: number) => {
  const $ = (i: number) => `$${first + i}`;
  return `INSERT INTO outbox (id, aggregatetype, aggregateid, type, schemaversion, aggregateversion,
                         correlationid, causationid, occurredat, payload, traceparent)
     SELECT * FROM unnest(${$(0)}::uuid[], ${$(1)}::text[], ${$(2)}::text[], ${$(3)}::text[], ${$(4)}::int[],
                          ${$(5)}::int[], ${$(6)}::uuid[], ${$(7)}::uuid[], ${$(8)}::timestamptz[], ${$(9)}::jsonb[],
                          ${$(10)}::text[])`;
};

/**
 * Each event's trace context: given per event (an email sent long after the
 * consumer's span, in a span of its own), or else the span active now (the
 * request's, the consumer handler's).
 */
export type Traceparents = readonly (string | null)[] | undefined;

const insertOutbox = prepared('messaging.outbox.insert', outboxInsert(1));

const outboxValues = (events: readonly AnyEnvelope[], traceparents: Traceparents) => [
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
  traceparents ?? Array<string | null>(events.length).fill(traceparentOf()),
];

/**
 * Writes events into the service's outbox table, inside the caller's
 * transaction: they reach Kafka (through Debezium) if and only if the
 * transaction commits. The `payload` column holds the whole envelope, which
 * becomes the Kafka value; the envelope fields go to columns that the
 * connector places in headers (infra/connectors). One statement for any
 * number of events.
 */
export async function writeToOutbox(
  tx: Queryable,
  events: readonly AnyEnvelope[],
  traceparents?: Traceparents,
): Promise<void> {
  if (events.length === 0) return;
  await tx.query(insertOutbox(outboxValues(events, traceparents)));
}

const withOutboxTexts = new Map<string, string>();

/**
 * A state change and the outbox rows of its events as one statement (the
 * outbox insert in a WITH clause, which Postgres runs exactly once whether or
 * not the statement reads it): one round trip instead of two, and atomic on
 * its own, so a command that is a single write needs no BEGIN and COMMIT
 * either. If the state change fails (a key conflict), no row is written.
 * The statement may read the rows just written as `outbox_rows` (the outbox
 * table's columns), e.g. to store the same envelopes elsewhere without
 * sending them twice. `statement` must be a named, prepared one.
 */
export function withOutbox(
  statement: QueryConfig,
  events: readonly AnyEnvelope[],
  traceparents?: Traceparents,
): QueryConfig {
  const { name, text, values = [] } = statement;
  if (!name) throw new Error('withOutbox takes a prepared (named) statement');
  let combined = withOutboxTexts.get(name);
  if (combined === undefined) {
    combined = `WITH outbox_rows AS (${outboxInsert(values.length + 1)} RETURNING *) ${text}`;
    withOutboxTexts.set(name, combined);
  }
  return { name: `${name}+outbox`, text: combined, values: [...values, ...outboxValues(events, traceparents)] };
}
