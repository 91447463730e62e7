import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaError, messageWithCauses, translatingErrors } from './kafka.error';
import { PlatformaticAdmin } from './platformatic.admin';
import { PlatformaticBatchConsumer, PlatformaticTail } from './platformatic.consumer';
import { PlatformaticProducer, PlatformaticTransactionalProducer } from './platformatic.producer';
import { readRanges } from './platformatic.range-reader';
import { platformaticSettings } from './platformatic.settings';
import type { KafkaClient, KafkaClientOptions } from './kafka.port';

/** The Kafka port over @platformatic/kafka. The library logs nothing of its own, so `logLevel` changes nothing here. */
export function createPlatformaticKafka(
  clientId: string,
  brokers: string[],
  options: KafkaClientOptions = {},
): KafkaClient {
  const settings = platformaticSettings(clientId, brokers, options);
  const translated = <T extends object>(port: T) => translatingErrors(port, kafkaErrorOf);
  return translated<KafkaClient>({
    batchConsumer: (consumerSettings) => translated(new PlatformaticBatchConsumer(settings, consumerSettings)),
    tail: (tailSettings) => translated(new PlatformaticTail(settings, tailSettings)),
    safeProducer: () => translated(new PlatformaticProducer(settings)),
    transactionalProducer: (transactionalId) =>
      translated(new PlatformaticTransactionalProducer(settings, transactionalId)),
    admin: () => translated(new PlatformaticAdmin(settings)),
    readRanges: (topic, ranges, onBatch, readOptions) => readRanges(settings, topic, ranges, onBatch, readOptions),
  });
}

/** The library's own errors carry a `PLT_KFK_` code and say whether a retry may help (`canRetry`). */
export function kafkaErrorOf(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const { code, canRetry } = error as { code?: unknown; canRetry?: unknown };
  if (typeof code !== 'string' || !code.startsWith('PLT_KFK_')) return error;
  return new KafkaError(messageWithCauses(error), canRetry !== false, { cause: error });
}

/** The library's version, read from its package.json beside its entry point (the package exports no other path). */
export const platformaticVersion = (
  JSON.parse(readFileSync(join(require.resolve('@platformatic/kafka'), '../../package.json'), 'utf8')) as {
    version: string;
  }
).version;
