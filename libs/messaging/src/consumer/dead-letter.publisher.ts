import { Headers } from '@orderflow/events';
import type { IHeaders, KafkaMessage, Message, Producer } from 'kafkajs';

export interface DeadLetter {
  message: KafkaMessage;
  sourceTopic: string;
  partition: number;
  consumerGroup: string;
  code: string;
  reason: string;
  /** Tries before it was set aside: 1 for a message that cannot be decoded or a handler that rejects it. */
  attempts: number;
  failedAt: Date;
}

/**
 * Sets a message aside on the consumer's dead-letter topic: the original key,
 * value and headers, plus why and where it came from. Awaited (acks=all)
 * before the source offset is committed, so a dead letter is never lost.
 */
export class DeadLetterPublisher {
  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {}

  async publish(letter: DeadLetter): Promise<void> {
    await this.producer.send({ topic: this.topic, acks: -1, messages: [deadLetterMessage(letter)] });
  }
}

/**
 * The dead letter itself. Headers with a null value (Debezium writes one for a
 * null column, e.g. no causation id) cannot be produced by kafkajs: dropped.
 */
export function deadLetterMessage(letter: DeadLetter): Message {
  const original: IHeaders = {};
  for (const [name, value] of Object.entries(letter.message.headers ?? {})) {
    if (value !== null && value !== undefined) original[name] = value;
  }
  return {
    key: letter.message.key,
    value: letter.message.value,
    headers: {
      ...original,
      [Headers.deadLetterReason]: `${letter.code}: ${letter.reason}`.slice(0, 4000),
      [Headers.deadLetterCode]: letter.code,
      [Headers.deadLetterAttempts]: String(letter.attempts),
      [Headers.deadLetterFailedAt]: letter.failedAt.toISOString(),
      [Headers.deadLetterSourceTopic]: letter.sourceTopic,
      [Headers.deadLetterSourcePartition]: String(letter.partition),
      [Headers.deadLetterSourceOffset]: letter.message.offset,
      [Headers.deadLetterConsumerGroup]: letter.consumerGroup,
    },
  };
}
