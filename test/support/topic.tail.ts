import { randomUUID } from 'node:crypto';
import { type Consumer, Kafka, logLevel } from 'kafkajs';
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

  private constructor(private readonly consumer: Consumer) {}

  static async start(brokers: string[], topic: string): Promise<TopicTail> {
    const kafka = new Kafka({ clientId: 'orderflow-test-tail', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    let ends: Awaited<ReturnType<typeof admin.fetchTopicOffsets>>;
    try {
      // A topic created a moment ago may not have its leaders yet: NOT_LEADER… is retriable, wait it out.
      ends = await waitUntil(
        `the offsets of ${topic}`,
        () =>
          admin.fetchTopicOffsets(topic).catch((error: unknown) => {
            if ((error as { retriable?: boolean }).retriable) return false;
            throw error;
          }),
        15_000,
        200,
      );
    } finally {
      await admin.disconnect();
    }

    const consumer = kafka.consumer({ groupId: `test-tail-${randomUUID()}`, maxWaitTimeInMs: 100 });
    const tail = new TopicTail(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          if (value !== undefined) headers[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
        }
        tail.messages.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          value: message.value?.toString('utf8') ?? null,
          headers,
          arrivedAt: Date.now(),
        });
      },
    });
    for (const { partition, offset } of ends) consumer.seek({ topic, partition, offset });
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
    await this.consumer.disconnect();
  }
}
