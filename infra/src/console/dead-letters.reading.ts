import { type DeadLetterSummary, createKafka, describeDeadLetter, readDeadLetters } from '@orderflow/messaging';
import { deadLetterTopics } from '../cli/commands/dlq.command';
import { type ServiceName, type StackConfig, serviceNames } from '../config/stack.config';

export interface ServiceDeadLetters {
  service: ServiceName;
  topic: string;
  count: number;
  /** The newest few, newest first. */
  last: DeadLetterSummary[];
}

export interface DeadLettersReading {
  readAt: string;
  services: ServiceDeadLetters[];
}

/**
 * Every service's dead-letter topic, read whole (as `dlq list` reads it: a
 * dead-letter topic holds few records, and they are kept forever). More than
 * `maxRecords` on one topic is an error rather than a long read every few seconds.
 */
export async function readDeadLettersOfServices(
  config: StackConfig,
  { keep = 5, maxRecords = 10_000 }: { keep?: number; maxRecords?: number } = {},
): Promise<DeadLettersReading> {
  const kafka = createKafka('orderflow-dlq-reader', [config.kafka.bootstrap]);
  const services = await Promise.all(
    serviceNames.map(async (service): Promise<ServiceDeadLetters> => {
      const topic = deadLetterTopics[service];
      const letters = await readDeadLetters(kafka, { topic, timeoutMs: 15_000, maxRecords });
      const newestFirst = letters.map(describeDeadLetter).sort((a, b) => b.failedAt.localeCompare(a.failedAt));
      return { service, topic, count: letters.length, last: newestFirst.slice(0, keep) };
    }),
  );
  return { readAt: new Date().toISOString(), services };
}
