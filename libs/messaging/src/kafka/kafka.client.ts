import type { KafkaClient, KafkaClientOptions } from './kafka.port';
import { createKafkajsKafka, kafkajsVersion } from './kafkajs.adapter';
import { createPlatformaticKafka, platformaticVersion } from './platformatic.adapter';

/** The client libraries the port has an adapter for. */
export const kafkaClients = ['kafkajs', 'platformatic'] as const;
export type KafkaClientName = (typeof kafkaClients)[number];

/**
 * Which adapter `createKafka` builds: `ORDERFLOW_KAFKA_CLIENT`, @platformatic/kafka
 * where unset — the one the benchmarks favour (bench/results/kafka-clients*.md).
 */
export function kafkaClientName(env: NodeJS.ProcessEnv = process.env): KafkaClientName {
  const chosen = env.ORDERFLOW_KAFKA_CLIENT ?? 'platformatic';
  const known = kafkaClients.find((name) => name === chosen);
  if (!known) throw new Error(`ORDERFLOW_KAFKA_CLIENT must be one of ${kafkaClients.join(', ')}, not "${chosen}"`);
  return known;
}

/** The Kafka port over the chosen client library: the one way anything in the project gets a Kafka client. */
export function createKafka(
  clientId: string,
  brokers: string[],
  options: KafkaClientOptions = {},
  client: KafkaClientName = kafkaClientName(),
): KafkaClient {
  return client === 'platformatic'
    ? createPlatformaticKafka(clientId, brokers, options)
    : createKafkajsKafka(clientId, brokers, options);
}

/** The library behind `createKafka`, for the figures a benchmark reports. */
export function kafkaClientLibrary(client: KafkaClientName = kafkaClientName()): { name: string; version: string } {
  return client === 'platformatic'
    ? { name: '@platformatic/kafka', version: platformaticVersion }
    : { name: 'kafkajs', version: kafkajsVersion };
}
