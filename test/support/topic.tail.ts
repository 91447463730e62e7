import { randomUUID } from 'node:crypto';
import { KafkaError, type PartitionOffsets, type Tail, createKafka } from '@orderflow/messaging';
import { waitUntil } from './wait-until';

export interface TailedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  /** When this process received it (ms since the epoch), for latency measurements. */
  arrivedAt: number;
}

/**
 * Reads what arrives on a topic from the moment `start` returns: it pins every
 * partition at its current end, so earlier history (topics are kept forever)
 * is never read and nothing produced afterwards is missed.
 */
export class TopicTail {
  readonly messages: TailedMessage[] = [];

  private constructor(private readonly tail: Tail) {}

  static async start(brokers: string[], topic: string): Promise<TopicTail> {
    const kafka = createKafka('orderflow-test-tail', brokers, { logLevel: 'nothing' });
    const admin = kafka.admin();
    await admin.connect();
    let ends: PartitionOffsets[];
    try {
      // A topic created a moment ago may not have its leaders yet: NOT_LEADER… is retriable, wait it out.
      ends = await waitUntil(
        `the offsets of ${topic}`,
        () =>
          admin.topicOffsets(topic).catch((error: unknown) => {
            if (error instanceof KafkaError && error.retriable) return false;
            throw error;
          }),
        15_000,
        200,
      );
    } finally {
      await admin.disconnect();
    }

    const tail = new TopicTail(
      kafka.tail({
        groupId: `test-tail-${randomUUID()}`,
        topics: [topic],
        startAt: ends.map(({ partition, high }) => ({ topic, partition, offset: high })),
        fetchMaxWaitMs: 100,
      }),
    );
    await tail.tail.run((record) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(record.headers ?? {})) {
        if (value !== undefined) headers[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
      }
      tail.messages.push({
        topic,
        partition: record.partition,
        offset: record.offset,
        key: record.key?.toString('utf8') ?? null,
        value: record.value?.toString('utf8') ?? null,
        headers,
        arrivedAt: Date.now(),
      });
    });
    return tail;
  }

  async waitFor(
    what: string,
    predicate: (messages: TailedMessage[]) => boolean,
    timeoutMs = 15_000,
  ): Promise<TailedMessage[]> {
    return waitUntil(what, () => predicate(this.messages) && this.messages, timeoutMs);
  }

  async stop(): Promise<void> {
    await this.tail.stop();
  }
}
