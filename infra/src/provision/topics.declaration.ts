import { Topics, type TopicName } from '@orderflow/events';

/**
 * Every topic the system uses, declared once. `stack up` (and the compose
 * `provision` job) creates or updates them before anything produces or
 * subscribes: a consumer's subscribe to a topic that does not exist yet fails.
 */
export interface TopicDeclaration {
  name: TopicName | HeartbeatTopic;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

/** Event streams are the source of truth for replay: kept forever. */
const keptForever = {
  'retention.ms': '-1',
  'cleanup.policy': 'delete',
  // Twice the largest event a consumer accepts (maxEventBytes): an oversized
  // message reaches the consumers, which dead-letter it with its reason,
  // instead of failing whoever produced it.
  'max.message.bytes': String(2 * 1024 * 1024),
};
const PARTITIONS = 6;

/**
 * Debezium's heartbeat topics, one per connector (`__debezium-heartbeat.<topic.prefix>`,
 * infra/connectors). A heartbeat every few seconds lets a connector whose
 * database is idle confirm its WAL position anyway: without it the slot's
 * confirmed position stays at the last event's, Postgres keeps the WAL written
 * since (every database's, the cluster shares it) and the last outbox rows read
 * as not relayed (the outbox backlog). Only Connect reads them: kept an hour.
 */
type HeartbeatTopic = `__debezium-heartbeat.cdc.${'orders' | 'payments' | 'email'}`;
const heartbeatTopics: HeartbeatTopic[] = [
  '__debezium-heartbeat.cdc.orders',
  '__debezium-heartbeat.cdc.payments',
  '__debezium-heartbeat.cdc.email',
];

export const topicDeclarations: readonly TopicDeclaration[] = [
  { name: Topics.ordersEvents, partitions: PARTITIONS, replicationFactor: 1, configs: keptForever },
  { name: Topics.paymentsEvents, partitions: PARTITIONS, replicationFactor: 1, configs: keptForever },
  { name: Topics.emailEvents, partitions: PARTITIONS, replicationFactor: 1, configs: keptForever },
  {
    name: Topics.ordersState,
    partitions: PARTITIONS,
    replicationFactor: 1,
    // Latest state per order id; older states of one order are compacted away.
    configs: { 'cleanup.policy': 'compact', 'retention.ms': '-1', 'min.cleanable.dirty.ratio': '0.1' },
  },
  // Dead letters wait for a person: kept forever, one partition keeps them in arrival order.
  { name: Topics.ordersDeadLetter, partitions: 1, replicationFactor: 1, configs: keptForever },
  { name: Topics.paymentsDeadLetter, partitions: 1, replicationFactor: 1, configs: keptForever },
  { name: Topics.emailDeadLetter, partitions: 1, replicationFactor: 1, configs: keptForever },
  ...heartbeatTopics.map((name) => ({
    name,
    partitions: 1,
    replicationFactor: 1,
    configs: { 'cleanup.policy': 'delete', 'retention.ms': String(60 * 60_000) },
  })),
];

/**
 * The declarations for a cluster of the stack's size: with three brokers every
 * topic has three replicas and refuses a write that fewer than two have
 * (min.insync.replicas=2 with producers' acks=all), so one broker can be lost.
 */
export function topicDeclarationsFor(kafka: { replicationFactor: number; minInsyncReplicas: number }) {
  if (kafka.replicationFactor === 1) return topicDeclarations;
  return topicDeclarations.map((t) => ({
    ...t,
    replicationFactor: kafka.replicationFactor,
    configs: { ...t.configs, 'min.insync.replicas': String(kafka.minInsyncReplicas) },
  }));
}
