import { Inject } from '@nestjs/common';

/** Nest token of the service's one kafkajs client. */
export const KAFKA = Symbol('KAFKA');
export const InjectKafka = () => Inject(KAFKA);
