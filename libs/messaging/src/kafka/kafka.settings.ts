import { Kafka, Partitioners, type Producer, logLevel } from 'kafkajs';

/**
 * One kafkajs client per process, quiet unless something is wrong. Its
 * connection retries wait at most 2 s (kafkajs' default cap is 30 s): a
 * restarted broker is found within 2 s of listening again, not after a wait
 * grown to tens of seconds while it was away (the fault suite's broker
 * scenario times that recovery).
 */
export const createKafka = (clientId: string, brokers: string[]) =>
  new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    retry: { retries: 15, initialRetryTime: 100, maxRetryTime: 2_000 },
  });

/**
 * What we produce directly (dead letters, tools) goes through an idempotent
 * producer with acks=all: a retried send is not written twice and a write is
 * not acknowledged before every in-sync replica has it. Business events never
 * take this path: they go through the outbox.
 */
export const createSafeProducer = (kafka: Kafka): Producer =>
  kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // The Java client's murmur2, as Kafka Connect (Debezium) partitions: one key, one partition, whoever produces.
    createPartitioner: Partitioners.DefaultPartitioner,
    // An idempotent producer must not give up: a send waits out a broker restart.
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 30_000 },
  });
