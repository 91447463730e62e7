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
  /** Dead letters: why the message was set aside and where it came from. */
  deadLetterReason: 'dlq.reason',
  deadLetterSourceTopic: 'dlq.source.topic',
  deadLetterSourcePartition: 'dlq.source.partition',
  deadLetterSourceOffset: 'dlq.source.offset',
  deadLetterConsumerGroup: 'dlq.consumer.group',
} as const;
