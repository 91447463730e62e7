import { Headers } from '@orderflow/events';
import type { OutgoingHeaderValue, OutgoingRecord, RecordHeaders, RecordProducer } from '../kafka/kafka.port';

/** The message set aside: a consumed one, or (the email sender's) one built from a database row. */
export interface DeadLetteredMessage {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: RecordHeaders;
  /** Where it was consumed: absent for a message that never was (it cannot be redriven onto a topic). */
  offset?: string;
}

export interface DeadLetter {
  message: DeadLetteredMessage;
  sourceTopic?: string;
  partition?: number;
  consumerGroup: string;
  code: string;
  reason: string;
  /** Tries before it was set aside: 1 for a message that cannot be decoded or a handler that rejects it. */
  attempts: number;
  failedAt: Date;
}

/**
 * Sets a message aside on a dead-letter topic: the original key, value and
 * headers, plus why and where it came from. Awaited (acks=all) before the
 * source offset is committed, so a dead letter is never lost.
 */
export class DeadLetterPublisher {
  constructor(
    private readonly producer: RecordProducer,
    private readonly topic: string,
  ) {}

  async publish(letter: DeadLetter): Promise<void> {
    await this.producer.send(this.topic, [deadLetterMessage(letter)]);
  }
}

/**
 * The dead letter itself. Headers with a null value (Debezium writes one for a
 * null column, e.g. no causation id) are dropped: not every client can write one.
 */
export function deadLetterMessage(letter: DeadLetter): OutgoingRecord {
  const original: Record<string, OutgoingHeaderValue> = {};
  for (const [name, value] of Object.entries(letter.message.headers ?? {})) {
    if (value !== null && value !== undefined) original[name] = value;
  }
  const where: Record<string, string> = {};
  if (letter.sourceTopic !== undefined) where[Headers.deadLetterSourceTopic] = letter.sourceTopic;
  if (letter.partition !== undefined) where[Headers.deadLetterSourcePartition] = String(letter.partition);
  if (letter.message.offset !== undefined) where[Headers.deadLetterSourceOffset] = letter.message.offset;
  return {
    key: letter.message.key,
    value: letter.message.value,
    headers: {
      ...original,
      [Headers.deadLetterReason]: `${letter.code}: ${letter.reason}`.slice(0, 4000),
      [Headers.deadLetterCode]: letter.code,
      [Headers.deadLetterAttempts]: String(letter.attempts),
      [Headers.deadLetterFailedAt]: letter.failedAt.toISOString(),
      ...where,
      [Headers.deadLetterConsumerGroup]: letter.consumerGroup,
    },
  };
}
