import type { KafkaClientOptions } from './kafka.port';

/** What every @platformatic/kafka client of one `createKafka` shares: its id, its brokers, its patience. */
export interface PlatformaticSettings {
  base: {
    clientId: string;
    bootstrapBrokers: string[];
    connectTimeout: number;
    retries: number;
    retryDelay: (client: unknown, operationId: string, attempt: number) => number;
  };
}

/**
 * Retries from 100 ms apart doubling to at most 2 s, as the other adapter's:
 * a restarted broker is found within 2 s of listening again. A probe tries
 * once, for at most 1 s.
 */
export function platformaticSettings(
  clientId: string,
  brokers: string[],
  options: KafkaClientOptions,
): PlatformaticSettings {
  return {
    base: options.probe
      ? { clientId, bootstrapBrokers: brokers, connectTimeout: 1_000, retries: 0, retryDelay: () => 0 }
      : { clientId, bootstrapBrokers: brokers, connectTimeout: 5_000, retries: 15, retryDelay: retryDelay },
  };
}

const retryDelay = (_client: unknown, _operationId: string, attempt: number) => Math.min(100 * 2 ** attempt, 2_000);
