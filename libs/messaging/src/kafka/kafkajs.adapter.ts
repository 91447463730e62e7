import { Kafka, logLevel } from 'kafkajs';
import { KafkajsAdmin } from './kafkajs.admin';
import { KafkajsBatchConsumer, KafkajsTail } from './kafkajs.consumer';
import { createSafeProducer } from './kafkajs.producer';
import { readRanges } from './kafkajs.range-reader';
import type { KafkaClient, KafkaClientOptions } from './kafka.port';

const logLevels = { nothing: logLevel.NOTHING, error: logLevel.ERROR, warn: logLevel.WARN } as const;

/**
 * The Kafka port over kafkajs: one client per process, quiet unless something
 * is wrong. Its connection retries wait at most 2 s (kafkajs' default cap is
 * 30 s): a restarted broker is found within 2 s of listening again, not after
 * a wait grown to tens of seconds while it was away (the fault suite's broker
 * scenario times that recovery).
 */
export function createKafka(clientId: string, brokers: string[], options: KafkaClientOptions = {}): KafkaClient {
  const kafka = new Kafka({
    clientId,
    brokers,
    logLevel: logLevels[options.logLevel ?? 'warn'],
    ...(options.probe
      ? { retry: { retries: 0 }, connectionTimeout: 1_000 }
      : { retry: { retries: 15, initialRetryTime: 100, maxRetryTime: 2_000 } }),
  });
  return {
    batchConsumer: (settings) => new KafkajsBatchConsumer(kafka, settings),
    tail: (settings) => new KafkajsTail(kafka, settings),
    safeProducer: () => createSafeProducer(kafka),
    admin: () => new KafkajsAdmin(kafka.admin()),
    readRanges: (topic, ranges, onBatch, readOptions) => readRanges(kafka, topic, ranges, onBatch, readOptions),
  };
}

/** The client library behind `createKafka`, for the figures a benchmark reports. */
export const kafkaClientLibrary = {
  name: 'kafkajs',
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  version: (require('kafkajs/package.json') as { version: string }).version,
} as const;
