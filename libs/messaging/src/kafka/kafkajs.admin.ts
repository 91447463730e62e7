import { type Admin, AssignerProtocol, ConfigResourceTypes } from 'kafkajs';
import type {
  CommittedOffsets,
  GroupListing,
  KafkaAdmin,
  PartitionOffset,
  PartitionOffsets,
  TopicDescription,
  TopicSpec,
} from './kafka.port';
import { awaitLeaders } from './topic.leaders';

/** The admin port over a kafkajs admin client. */
export class KafkajsAdmin implements KafkaAdmin {
  constructor(private readonly admin: Admin) {}

  connect(): Promise<void> {
    return this.admin.connect();
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }

  async brokerIds(): Promise<number[]> {
    return (await this.admin.describeCluster()).brokers.map((b) => b.nodeId);
  }

  listTopics(): Promise<string[]> {
    return this.admin.listTopics();
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor,
        ...(t.configs ? { configEntries: configEntries(t.configs) } : {}),
      })),
    });
  }

  deleteTopics(topics: readonly string[]): Promise<void> {
    return this.admin.deleteTopics({ topics: [...topics] });
  }

  async describeTopics(topics: readonly string[]): Promise<TopicDescription[]> {
    const { topics: metadata } = await this.admin.fetchTopicMetadata({ topics: [...topics] });
    return metadata.map(({ name, partitions }) => ({
      topic: name,
      partitions: partitions.map(({ partitionId, leader, replicas, isr }) => ({
        partition: partitionId,
        leader,
        replicas,
        isr,
      })),
    }));
  }

  async growPartitions(topics: readonly { topic: string; partitions: number }[]): Promise<void> {
    await this.admin.createPartitions({
      topicPartitions: topics.map((t) => ({ topic: t.topic, count: t.partitions })),
    });
    await awaitLeaders((names) => this.describeTopics(names), topics);
  }

  async topicConfigs(topics: readonly string[]): Promise<Map<string, Record<string, string>>> {
    if (topics.length === 0) return new Map();
    const { resources } = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
    });
    return new Map(
      resources.map((r) => [
        r.resourceName,
        Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue])),
      ]),
    );
  }

  /**
   * kafkajs has only the AlterConfigs request, which replaces a topic's whole
   * set: the configs set on the topic before are sent again with the new ones,
   * so that the others keep their values (as an incremental alter would).
   */
  async alterTopicConfigs(
    topics: readonly { topic: string; configs: Readonly<Record<string, string>> }[],
  ): Promise<void> {
    const { resources } = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((t) => ({ type: ConfigResourceTypes.TOPIC, name: t.topic })),
    });
    const setOnTopic = (topic: string) =>
      Object.fromEntries(
        (resources.find((r) => r.resourceName === topic)?.configEntries ?? [])
          .filter((e) => e.configSource === topicConfigSource)
          .map((e) => [e.configName, e.configValue]),
      );
    await this.admin.alterConfigs({
      validateOnly: false,
      resources: topics.map((t) => ({
        type: ConfigResourceTypes.TOPIC,
        name: t.topic,
        configEntries: configEntries({ ...setOnTopic(t.topic), ...t.configs }),
      })),
    });
  }

  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    return (await this.admin.fetchTopicOffsets(topic))
      .map(({ partition, low, high }) => ({ partition, low, high }))
      .sort(byPartition);
  }

  /** kafkajs answers a partition with no record that late with its end offset. */
  async offsetsAt(topic: string, at: Date): Promise<PartitionOffset[]> {
    return (await this.admin.fetchTopicOffsetsByTimestamp(topic, at.getTime()))
      .map(({ partition, offset }) => ({ partition, offset }))
      .sort(byPartition);
  }

  async listGroups(): Promise<GroupListing[]> {
    return (await this.admin.listGroups()).groups.map(({ groupId, protocolType }) => ({ groupId, protocolType }));
  }

  async committedOffsets(groupId: string, topics: readonly string[]): Promise<CommittedOffsets[]> {
    const offsets = await this.admin.fetchOffsets({ groupId, topics: [...topics] });
    return offsets.map(({ topic, partitions }) => ({
      topic,
      partitions: partitions.map(({ partition, offset }) => ({ partition, offset })).sort(byPartition),
    }));
  }

  setCommittedOffsets(groupId: string, topic: string, partitions: readonly PartitionOffset[]): Promise<void> {
    return this.admin.setOffsets({ groupId, topic, partitions: [...partitions] });
  }

  async subscribedTopics(groupIds: readonly string[]): Promise<Map<string, string[]>> {
    if (groupIds.length === 0) return new Map();
    const { groups } = await this.admin.describeGroups([...groupIds]);
    return new Map(groups.map(({ groupId, members }) => [groupId, subscribedTopicsOf(members)]));
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    await this.admin.deleteGroups([...groupIds]);
  }
}

const byPartition = (a: { partition: number }, b: { partition: number }) => a.partition - b.partition;

/** DescribeConfigs' source of a config set on the topic itself (`TOPIC_CONFIG`). */
const topicConfigSource = 1;

const configEntries = (configs: Readonly<Record<string, string>>) =>
  Object.entries(configs).map(([name, value]) => ({ name, value }));

/**
 * The topics a group's members subscribe to, decoded from their join
 * metadata (the consumer protocol's subscription). A member whose metadata is
 * not a consumer's teaches nothing.
 */
export function subscribedTopicsOf(members: readonly { memberMetadata: Buffer }[]): string[] {
  const topics = new Set<string>();
  for (const member of members) {
    try {
      for (const topic of AssignerProtocol.MemberMetadata.decode(member.memberMetadata)?.topics ?? [])
        topics.add(topic);
    } catch {
      // Not a consumer's metadata: nothing learnt from it.
    }
  }
  return [...topics].sort();
}
