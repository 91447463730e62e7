/**
 * Kafka header names. `id` is where Debezium's outbox EventRouter puts the outbox
 * row id (our event id) by default; the others are placed there by the connector's
 * `table.fields.additional.placement` (see infra/connectors).
 */
export const Headers = {
  eventId: 'id',
  eventType: 'eventType',
  schemaVersion: 'schemaVersion',
  aggregateVersion: 'aggregateVersion',
  correlationId: 'correlationId',
  causationId: 'causationId',
  occurredAt: 'occurredAt',
  /** W3C trace context of the span that wrote the event (absent when nothing was traced). */
  traceparent: 'traceparent',
  /** Dead letters: why the message was set aside and where it came from. */
  deadLetterReason: 'dlq.reason',
  /** A stable code for the reason (`SCHEMA_VIOLATION`, `ORDER_NOT_FOUND`, `MALFORMED_JSON`, …). */
  deadLetterCode: 'dlq.code',
  /** How many times the consumer tried the message before setting it aside. */
  deadLetterAttempts: 'dlq.attempts',
  deadLetterFailedAt: 'dlq.failed.at',
  deadLetterSourceTopic: 'dlq.source.topic',
  deadLetterSourcePartition: 'dlq.source.partition',
  deadLetterSourceOffset: 'dlq.source.offset',
  deadLetterConsumerGroup: 'dlq.consumer.group',
  /**
   * On a redriven message: the dead letter it came from, `<topic>/<partition>/<offset>`.
   * A message that fails again keeps it in its new dead letter, which the list then shows as a bounce.
   */
  deadLetterRedrivenFrom: 'dlq.redriven.from',
} as const;
