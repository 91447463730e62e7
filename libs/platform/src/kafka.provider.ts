import { Inject } from '@nestjs/common';

/** Nest token of the service's one kafkajs client, for what is not on the Kafka port yet. */
export const KAFKA = Symbol('KAFKA');
export const InjectKafka = () => Inject(KAFKA);

/** Nest token of the Kafka port (libs/messaging kafka.port.ts) over that client: consumers and dead letters. */
export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
