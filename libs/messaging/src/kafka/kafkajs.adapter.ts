import { Kafka, logLevel } from 'kafkajs';
import { KafkaError, messageWithCauses, translatingErrors } from './kafka.error';
import { KafkajsAdmin } from './kafkajs.admin';
import { KafkajsBatchConsumer, KafkajsTail } from './kafkajs.consumer';
import { createSafeProducer, createTransactionalProducer } from './kafkajs.producer';
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
export function createKafkajsKafka(clientId: string, brokers: string[], options: KafkaClientOptions = {}): KafkaClient {
  const kafka = new Kafka({
    clientId,
    brokers,
    logLevel: logLevels[options.logLevel ?? 'warn'],
    ...(options.probe
      ? { retry: { retries: 0 }, connectionTimeout: 1_000 }
      : { retry: { retries: 15, initialRetryTime: 100, maxRetryTime: 2_000 } }),
  });
  const translated = <T extends object>(port: T) => translatingErrors(port, kafkaErrorOf);
  return translated<KafkaClient>({
    batchConsumer: (settings) => translated(new KafkajsBatchConsumer(kafka, settings)),
    tail: (settings) => translated(new KafkajsTail(kafka, settings)),
    safeProducer: () => translated(createSafeProducer(kafka)),
    transactionalProducer: (transactionalId) => translated(createTransactionalProducer(kafka, transactionalId)),
    admin: () => translated(new KafkajsAdmin(kafka.admin())),
    readRanges: (topic, ranges, onBatch, readOptions) => readRanges(kafka, topic, ranges, onBatch, readOptions),
  });
}

/** kafkajs' own errors are named `KafkaJS…` and say whether a retry may help (`retriable`). */
export function kafkaErrorOf(error: unknown): unknown {
  if (!(error instanceof Error) || !error.name.startsWith('KafkaJS')) return error;
  const { retriable } = error as { retriable?: unknown };
  return new KafkaError(messageWithCauses(error), retriable !== false, { cause: error });
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const kafkajsVersion = (require('kafkajs/package.json') as { version: string }).version;
