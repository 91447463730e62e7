import { randomUUID } from 'node:crypto';
import { createKafka } from '@orderflow/messaging';

/** Creates topics by exact name (the broker creates none on its own); `remove` deletes them. */
async function createTopics(
  brokers: string[],
  topics: { name: string; partitions: number }[],
): Promise<() => Promise<void>> {
  const kafka = createKafka('orderflow-test-topics', brokers, { logLevel: 'nothing' });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics(topics.map((t) => ({ topic: t.name, partitions: t.partitions, replicationFactor: 1 })));
  await admin.disconnect();
  return async () => {
    const remover = kafka.admin();
    await remover.connect();
    await remover.deleteTopics(topics.map((t) => t.name)).catch(() => undefined);
    await remover.disconnect();
  };
}

/** Topics a test makes for itself, named `test.<purpose>.<random>` so runs never share one. */
export async function createTestTopics(
  brokers: string[],
  specs: { purpose: string; partitions: number }[],
): Promise<{ names: string[]; remove: () => Promise<void> }> {
  const suffix = randomUUID().slice(0, 8);
  const names = specs.map((s) => `test.${s.purpose}.${suffix}`);
  const remove = await createTopics(
    brokers,
    specs.map((s, i) => ({ name: names[i]!, partitions: s.partitions })),
  );
  return { names, remove };
}

/**
 * A topic Debezium will route outbox rows to: rows written with
 * `aggregatetype = aggregateType` arrive on `<aggregateType>.events`. Tests use
 * it so that their rows never land on a service's real event stream.
 */
export async function createOutboxTestTopic(
  brokers: string[],
  partitions = 3,
): Promise<{ aggregateType: string; topic: string; remove: () => Promise<void> }> {
  const aggregateType = `test.cdc.${randomUUID().slice(0, 8)}`;
  const topic = `${aggregateType}.events`;
  return { aggregateType, topic, remove: await createTopics(brokers, [{ name: topic, partitions }]) };
}
