import { Headers } from '@orderflow/events';
import { headerText } from '../kafka/header.text';

/** Where a message sits. Offsets are 64-bit: kept as decimal strings. */
export interface TopicPosition {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Which dead letter: where it sits and when it was written (its record's
 * timestamp, ISO-8601). The position alone repeats: a Kafka cluster started
 * empty numbers a dead-letter topic from offset 0 again, at later times.
 */
export type DeadLetterIdentity = TopicPosition & { timestamp: string };

/**
 * A dead letter as read from a dead-letter topic, in our own terms rather than
 * the Kafka client's: the original message's key, value and headers, byte for
 * byte, plus the `dlq.*` headers the consumer added. A header Kafka carried
 * more than once is a list.
 */
export interface DeadLetterRecord extends TopicPosition {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
  /** When the dead letter was written (the record's timestamp), ISO-8601 UTC. */
  timestamp: string;
}

/** Every header the consumer adds to a dead letter starts so; a redrive removes them. */
export const DEAD_LETTER_HEADER_PREFIX = 'dlq.';

/** What a person needs to decide about a dead letter. Null where an (old or odd) dead letter does not say. */
export interface DeadLetterSummary {
  deadLetter: TopicPosition;
  eventId: string | null;
  eventType: string | null;
  key: string | null;
  /** Where the message was consumed from: where a redrive sends it back to. */
  source: TopicPosition | null;
  consumerGroup: string | null;
  code: string | null;
  reason: string | null;
  attempts: number | null;
  failedAt: string;
  /** Set when this dead letter is a redriven message that failed again. */
  redrivenFrom: string | null;
}

export const positionLabel = ({ topic, partition, offset }: TopicPosition): string => `${topic}/${partition}/${offset}`;

/**
 * The instant an ISO-8601 time names, spelt one way (UTC, milliseconds: a
 * Kafka timestamp's precision), so that two spellings of it compare equal.
 * Refuses text that names no instant rather than match nothing.
 */
export function instantOf(timestamp: string): string {
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) throw new Error(`'${timestamp}' is not an ISO-8601 time`);
  return new Date(ms).toISOString();
}

export function deadLetterHeader(record: Pick<DeadLetterRecord, 'headers'>, name: string): string | null {
  return headerText(record.headers[name]) ?? null;
}

/**
 * Reads a dead letter's headers. `dlq.code`, `dlq.attempts` and `dlq.failed.at`
 * are newer than the first dead letters (kept forever): without them the code
 * is the prefix of `dlq.reason` (`CODE: reason`), the time the record's own.
 */
export function describeDeadLetter(record: DeadLetterRecord): DeadLetterSummary {
  const header = (name: string) => deadLetterHeader(record, name);
  const body = envelopeFields(record.value);
  const rawReason = header(Headers.deadLetterReason);
  const code = header(Headers.deadLetterCode) ?? /^([A-Z][A-Z0-9_]*): /.exec(rawReason ?? '')?.[1] ?? null;
  const reason = code !== null && rawReason?.startsWith(`${code}: `) ? rawReason.slice(code.length + 2) : rawReason;
  return {
    deadLetter: { topic: record.topic, partition: record.partition, offset: record.offset },
    eventId: header(Headers.eventId) ?? body.eventId,
    eventType: header(Headers.eventType) ?? body.type,
    key: record.key?.toString('utf8') ?? null,
    source: deadLetterSource(record),
    consumerGroup: header(Headers.deadLetterConsumerGroup),
    code,
    reason,
    attempts: wholeNumber(header(Headers.deadLetterAttempts)),
    failedAt: header(Headers.deadLetterFailedAt) ?? record.timestamp,
    redrivenFrom: header(Headers.deadLetterRedrivenFrom),
  };
}

export function deadLetterSource(record: Pick<DeadLetterRecord, 'headers'>): TopicPosition | null {
  const topic = deadLetterHeader(record, Headers.deadLetterSourceTopic);
  const partition = wholeNumber(deadLetterHeader(record, Headers.deadLetterSourcePartition));
  const offset = deadLetterHeader(record, Headers.deadLetterSourceOffset);
  if (!topic || partition === null || offset === null || !/^\d+$/.test(offset)) return null;
  return { topic, partition, offset };
}

const wholeNumber = (text: string | null): number | null => (text !== null && /^\d+$/.test(text) ? Number(text) : null);

/** The id and type from the value, for a dead letter whose headers lack them (a test's, a hand-made one). */
function envelopeFields(value: Buffer | null): { eventId: string | null; type: string | null } {
  try {
    const parsed: unknown = JSON.parse(value?.toString('utf8') ?? 'null');
    if (typeof parsed !== 'object' || parsed === null) return { eventId: null, type: null };
    const { eventId, type } = parsed as { eventId?: unknown; type?: unknown };
    return { eventId: typeof eventId === 'string' ? eventId : null, type: typeof type === 'string' ? type : null };
  } catch {
    // Dead-lettered for not being JSON: nothing more to read.
    return { eventId: null, type: null };
  }
}
