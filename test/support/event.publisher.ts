import { type AnyEnvelope, Headers } from '@orderflow/events';
import { type RecordProducer, createKafka } from '@orderflow/messaging';

/**
 * Publishes events the way Debezium's EventRouter does: keyed by aggregate id,
 * the envelope as the value, the event id and type in headers. For test topics
 * only (never a service's real `<aggregate>.events`).
 */
export class EventPublisher {
  private constructor(private readonly producer: RecordProducer) {}

  static async connect(brokers: string[]): Promise<EventPublisher> {
    const producer = createKafka('orderflow-test-publisher', brokers, { logLevel: 'nothing' }).safeProducer();
    await producer.connect();
    return new EventPublisher(producer);
  }

  async publish(topic: string, events: AnyEnvelope[]): Promise<void> {
    await this.producer.send(
      topic,
      events.map((event) => ({
        key: event.aggregateId,
        value: JSON.stringify(event),
        headers: { [Headers.eventId]: event.eventId, [Headers.eventType]: event.type },
      })),
    );
  }

  /** A raw message, e.g. one that is no event at all. */
  async publishRaw(topic: string, key: string, value: string): Promise<void> {
    await this.producer.send(topic, [{ key, value }]);
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
