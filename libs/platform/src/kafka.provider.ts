import { Inject } from '@nestjs/common';

/** Nest token of the service's one Kafka client: the port of libs/messaging (kafka.port.ts), a `KafkaClient`. */
export const KAFKA = Symbol('KAFKA');
export const InjectKafka = () => Inject(KAFKA);
