import type { OnApplicationShutdown } from '@nestjs/common';
import { Headers } from '@orderflow/events';
import { DeadLetterPublisher, type KafkaClient, type RecordProducer } from '@orderflow/messaging';

/** An email given up for good, set aside with the event that called for it. */
export interface EmailDeadLetter {
  orderId: string;
  /** The triggering event's envelope, as stored when it was queued. */
  event: unknown;
  code: string;
  reason: string;
  attempts: number;
  failedAt: Date;
}

/** The sender's port for dead letters. */
export interface DeadLetters {
  /** Resolves once the dead letter is written (acks=all). */
  publish(letter: EmailDeadLetter): Promise<void>;
}
export const DEAD_LETTERS = Symbol('DEAD_LETTERS');

export interface KafkaDeadLettersOptions {
  topic: string;
  /** The email's source topic by its event's aggregate type: `orders` → orders.events, `payments` → payments.events. */
  sourceTopics: Record<string, string>;
  consumerGroup: string;
}

/**
 * Writes a rejected email's dead letter to the email dead-letter topic through
 * libs/messaging's DeadLetterPublisher, in the shape the consumer's dead
 * letters have: key = order id, value = the triggering event's envelope, its
 * `id` and `eventType` headers, and the `dlq.*` headers. The message comes
 * from a database row, not a topic, so it names no source partition or
 * offset: redriving it onto its source topic would do nothing (the inbox has
 * the event), so the dead-letter tool lists it without offering a redrive;
 * requeueing the row sends it again (README).
 */
export class KafkaDeadLetters implements DeadLetters, OnApplicationShutdown {
  private readonly producer: RecordProducer;
  private readonly publisher: DeadLetterPublisher;
  private connected: Promise<void> | undefined;

  constructor(
    kafka: KafkaClient,
    private readonly options: KafkaDeadLettersOptions,
  ) {
    this.producer = kafka.safeProducer();
    this.publisher = new DeadLetterPublisher(this.producer, options.topic);
  }

  async publish(letter: EmailDeadLetter): Promise<void> {
    // Connected on first use: rejections are rare, and the service starts without one more connection.
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    const { eventId, type, aggregateType } = fieldsOf(letter.event);
    const headers: Record<string, string> = {};
    if (eventId !== undefined) headers[Headers.eventId] = eventId;
    if (type !== undefined) headers[Headers.eventType] = type;
    await this.publisher.publish({
      message: { key: letter.orderId, value: JSON.stringify(letter.event), headers },
      sourceTopic: aggregateType === undefined ? undefined : this.options.sourceTopics[aggregateType],
      consumerGroup: this.options.consumerGroup,
      code: letter.code,
      reason: letter.reason,
      attempts: letter.attempts,
      failedAt: letter.failedAt,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}

/** The envelope fields the headers need, from an event that may not parse any more. */
function fieldsOf(event: unknown): { eventId?: string; type?: string; aggregateType?: string } {
  const { eventId, type, aggregateType } = (typeof event === 'object' && event !== null ? event : {}) as Record<
    string,
    unknown
  >;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return { eventId: text(eventId), type: text(type), aggregateType: text(aggregateType) };
}
