import { CodedError, Headers } from '@orderflow/events';
import type { Pool } from 'pg';
import { inTransaction } from '../db/transaction';
import type { KafkaAdmin, KafkaClient, RecordProducer } from '../kafka/kafka.port';
import {
  DEAD_LETTER_HEADER_PREFIX,
  type DeadLetterRecord,
  describeDeadLetter,
  positionLabel,
  deadLetterSource,
} from './dead-letter.record';
import { type RedriveRecord, claimRedrive, completeRedrive, findRedrive } from './dead-letter-redrive.store';

export class RedriveError extends CodedError<'NO_SOURCE_TOPIC' | 'SOURCE_TOPIC_MISSING' | 'SEND_TIMED_OUT'> {}

/** What goes back on the source topic. */
export interface RedriveMessage {
  topic: string;
  /** Unset for a keyed message: the key picks the partition, as it did for Debezium. */
  partition: number | undefined;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}

export type RedriveOutcome =
  | { status: 'redriven'; record: RedriveRecord }
  /** Someone redrove this dead letter before (or at the same moment): nothing was sent. */
  | { status: 'already-redriven'; record: RedriveRecord };

/**
 * The original message again: its key, value and headers, without the
 * consumer's `dlq.*` headers, plus `dlq.redriven.from` naming the dead letter.
 * A message without a key goes back to the partition it came from.
 */
export function redriveMessage(letter: DeadLetterRecord): RedriveMessage {
  const source = deadLetterSource(letter);
  if (!source) {
    throw new RedriveError('NO_SOURCE_TOPIC', `${positionLabel(letter)} does not say which topic it came from`);
  }
  const headers: RedriveMessage['headers'] = {};
  for (const [name, value] of Object.entries(letter.headers)) {
    if (!name.startsWith(DEAD_LETTER_HEADER_PREFIX)) headers[name] = value;
  }
  headers[Headers.deadLetterRedrivenFrom] = Buffer.from(positionLabel(letter));
  return {
    topic: source.topic,
    partition: letter.key === null ? source.partition : undefined,
    key: letter.key,
    value: letter.value,
    headers,
  };
}

export interface RedriverOptions {
  /**
   * Longest a send may take before the redrive gives up and records nothing.
   * The safe producer itself never gives up (it waits out a broker restart),
   * so a send given up on may still land later: see "Dead letters and
   * redrive" in libs/messaging/README.md for why that is still one effect.
   */
  sendTimeoutMs?: number;
}

/**
 * Puts dead letters back on their source topics, each at most once, recorded
 * in the service's `dead_letter_redrives` table:
 *
 *   BEGIN → claim the dead letter's row → produce (idempotent, acks=all, awaited)
 *         → note where it landed → COMMIT
 *
 * The row is keyed by the dead letter's position and record timestamp: a
 * cluster started empty hands the position out again, not the time.
 *
 * A failed produce rolls the claim back: nothing recorded, try again later.
 * Two redrives of one dead letter at once: the second waits on the row's key,
 * then finds it taken and sends nothing. A crash after the produce and before
 * the commit leaves no row, so a later redrive sends the message a second
 * time; the consumer's inbox (one row per group and event id) turns that into
 * a duplicate it skips, so the effect still happens once.
 */
export class DeadLetterRedriver {
  private constructor(
    private readonly producer: RecordProducer,
    private readonly admin: KafkaAdmin,
    private readonly sendTimeoutMs: number,
  ) {}

  static async connect(kafka: KafkaClient, options: RedriverOptions = {}): Promise<DeadLetterRedriver> {
    const producer = kafka.safeProducer();
    const admin = kafka.admin();
    await producer.connect();
    await admin.connect();
    return new DeadLetterRedriver(producer, admin, options.sendTimeoutMs ?? 30_000);
  }

  /** `pool`: the database of the service whose dead-letter topic `letter` is on. */
  async redrive(pool: Pool, letter: DeadLetterRecord): Promise<RedriveOutcome> {
    const message = redriveMessage(letter);
    await this.mustExist(message.topic);
    const { eventId, eventType } = describeDeadLetter(letter);
    return inTransaction(pool, async (tx) => {
      const claimed = await claimRedrive(tx, { deadLetter: letter, eventId, eventType, targetTopic: message.topic });
      if (!claimed) {
        const previous = await findRedrive(tx, letter);
        if (!previous) throw new Error(`${positionLabel(letter)}: claim refused but no redrive recorded`);
        return { status: 'already-redriven', record: previous };
      }
      const to = await this.send(message);
      return { status: 'redriven', record: await completeRedrive(tx, letter, to) };
    });
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect();
    await this.producer.disconnect();
  }

  /**
   * Checked before anything is claimed: the safe producer would retry a send
   * to a missing topic (a test's, deleted since) for ever, and keep retrying
   * after the send is given up on.
   */
  private async mustExist(topic: string): Promise<void> {
    if (!(await this.admin.listTopics()).includes(topic)) {
      throw new RedriveError('SOURCE_TOPIC_MISSING', `${topic} does not exist (any more): nothing to redrive to`);
    }
  }

  private async send(message: RedriveMessage) {
    const { topic, partition, key, value, headers } = message;
    const sending = this.producer.send(topic, [
      { key, value, headers, ...(partition === undefined ? {} : { partition }) },
    ]);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(new RedriveError('SEND_TIMED_OUT', `no acknowledgement from ${topic} in ${this.sendTimeoutMs} ms`)),
        this.sendTimeoutMs,
      );
    });
    try {
      const [sent] = await Promise.race([sending, deadline]);
      if (!sent) throw new Error(`${topic}: the broker acknowledged no offset`);
      return { topic, partition: sent.partition, offset: sent.offset };
    } finally {
      clearTimeout(timer);
    }
  }
}
