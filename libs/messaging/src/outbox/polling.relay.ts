import { Headers, eventsTopicOf } from '@orderflow/events';
import type { Pool } from 'pg';
import { inTransaction } from '../db/transaction';
import type { RecordProducer } from '../kafka/kafka.port';

/**
 * The outbox relay for those without Kafka Connect: polls the outbox table,
 * publishes rows as Debezium's EventRouter would (topic `<aggregatetype>.events`,
 * key = aggregate id, value = the payload, the event id in `id` and the
 * envelope fields in headers), then deletes them — all in one transaction that
 * holds the rows with `FOR UPDATE SKIP LOCKED`.
 *
 * At least once, like Debezium: a crash between the send and the commit sends
 * those rows again. Run ONE relay per database: rows are read in insertion
 * order (`position`), and two relays could interleave one aggregate's rows.
 * Do not run it beside the Debezium connector of the same database, nor with
 * the OutboxPruner (which deletes rows the relay has not sent yet).
 */
export interface PollingRelayOptions {
  batchSize: number;
  /** How long to wait before polling again after finding nothing. */
  idleMs: number;
  /**
   * The topic of a row's aggregate type; `<aggregatetype>.events` as the
   * EventRouter routes it by default. A test relays a service's rows to a
   * topic of its own with it, off the real event streams.
   */
  topicOf?: (aggregateType: string) => string;
}

interface OutboxRow {
  position: string;
  id: string;
  aggregatetype: string;
  aggregateid: string;
  type: string;
  schemaversion: number;
  aggregateversion: number | null;
  correlationid: string | null;
  causationid: string | null;
  occurredat: Date;
  payload: string;
  traceparent: string | null;
}

export class PollingOutboxRelay {
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly pool: Pool,
    private readonly producer: RecordProducer,
    private readonly options: PollingRelayOptions = { batchSize: 500, idleMs: 20 },
  ) {}

  /** Publishes up to one batch; returns how many rows it relayed. */
  async relayOnce(): Promise<number> {
    return inTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<OutboxRow>(
        `SELECT position, id, aggregatetype, aggregateid, type, schemaversion, aggregateversion,
                correlationid, causationid, occurredat, payload::text AS payload, traceparent
         FROM outbox ORDER BY position LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.options.batchSize],
      );
      if (rows.length === 0) return 0;
      const byTopic = new Map<string, OutboxRow[]>();
      for (const row of rows) {
        const topic = (this.options.topicOf ?? eventsTopicOf)(row.aggregatetype);
        byTopic.set(topic, [...(byTopic.get(topic) ?? []), row]);
      }
      await Promise.all(
        [...byTopic].map(([topic, topicRows]) =>
          this.producer.send(
            topic,
            topicRows.map((row) => ({ key: row.aggregateid, value: row.payload, headers: headersOf(row) })),
          ),
        ),
      );
      await tx.query('DELETE FROM outbox WHERE position = ANY($1::bigint[])', [rows.map((r) => r.position)]);
      return rows.length;
    });
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const relayed = await this.relayOnce().catch(() => 0);
        if (relayed === 0) await new Promise((resolve) => setTimeout(resolve, this.options.idleMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** The headers Debezium's EventRouter writes with infra/connectors' additional placements. */
function headersOf(row: OutboxRow): Record<string, string> {
  const headers: Record<string, string> = {
    [Headers.eventId]: row.id,
    [Headers.eventType]: row.type,
    [Headers.schemaVersion]: String(row.schemaversion),
    [Headers.occurredAt]: row.occurredat.toISOString(),
  };
  if (row.aggregateversion !== null) headers[Headers.aggregateVersion] = String(row.aggregateversion);
  if (row.correlationid !== null) headers[Headers.correlationId] = row.correlationid;
  if (row.causationid !== null) headers[Headers.causationId] = row.causationid;
  if (row.traceparent !== null) headers[Headers.traceparent] = row.traceparent;
  return headers;
}
