import { Admin, ConfigResourceTypes, ListOffsetTimestamps } from '@platformatic/kafka';
import type {
  CommittedOffsets,
  GroupListing,
  KafkaAdmin,
  PartitionOffset,
  PartitionOffsets,
  TopicDescription,
  TopicSpec,
} from './kafka.port';
import type { PlatformaticSettings } from './platformatic.settings';
import { awaitLeaders } from './topic.leaders';

/** The admin port over @platformatic/kafka's admin client. */
export class PlatformaticAdmin implements KafkaAdmin {
  private client: Admin | undefined;

  constructor(private readonly settings: PlatformaticSettings) {}

  private get admin(): Admin {
    if (!this.client) throw new Error('the admin client is not connected');
    return this.client;
  }

  async connect(): Promise<void> {
    this.client ??= new Admin(this.settings.base);
    await this.client.metadata({ topics: [] });
  }

  async disconnect(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
  }

  async brokerIds(): Promise<number[]> {
    return [...(await this.admin.metadata({ topics: [], forceUpdate: true })).brokers.keys()];
  }

  listTopics(): Promise<string[]> {
    return this.admin.listTopics();
  }

  /** One request per topic: the library applies one set of configs to every topic of a request. */
  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    for (const t of topics) {
      await this.admin.createTopics({
        topics: [t.topic],
        partitions: t.partitions,
        replicas: t.replicationFactor,
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      });
    }
    await awaitLeaders((names) => this.describeTopics(names), topics);
  }

  deleteTopics(topics: readonly string[]): Promise<void> {
    return this.admin.deleteTopics({ topics: [...topics] });
  }

  async describeTopics(topics: readonly string[]): Promise<TopicDescription[]> {
    const metadata = await this.admin.metadata({ topics: [...topics], forceUpdate: true });
    return topics.flatMap((topic) => {
      const described = metadata.topics.get(topic);
      if (!described) return [];
      return [
        {
          topic,
          partitions: described.partitions.map(({ leader, replicas, isr }, partition) => ({
            partition,
            leader,
            replicas,
            isr,
          })),
        },
      ];
    });
  }

  async growPartitions(topics: readonly { topic: string; partitions: number }[]): Promise<void> {
    await this.admin.createPartitions({ topics: topics.map((t) => ({ name: t.topic, count: t.partitions })) });
    await awaitLeaders((names) => this.describeTopics(names), topics);
  }

  async topicConfigs(topics: readonly string[]): Promise<Map<string, Record<string, string>>> {
    if (topics.length === 0) return new Map();
    const described = await this.admin.describeConfigs({
      resources: topics.map((resourceName) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName })),
    });
    return new Map(
      described.map((r) => [
        r.resourceName,
        Object.fromEntries(r.configs.flatMap((c): [string, string][] => (c.value ? [[c.name, c.value]] : []))),
      ]),
    );
  }

  /** Incremental: the configs not named keep their values. */
  alterTopicConfigs(topics: readonly { topic: string; configs: Readonly<Record<string, string>> }[]): Promise<void> {
    return this.admin.incrementalAlterConfigs({
      resources: topics.map((t) => ({
        resourceType: ConfigResourceTypes.TOPIC,
        resourceName: t.topic,
        configs: Object.entries(t.configs).map(([name, value]) => ({ name, configOperation: 0, value })),
      })),
    });
  }

  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const [low, high] = await Promise.all([
      this.offsetsBy(topic, ListOffsetTimestamps.EARLIEST),
      this.offsetsBy(topic, ListOffsetTimestamps.LATEST),
    ]);
    return high.map(({ partition, offset }) => ({
      partition,
      low: low.find((l) => l.partition === partition)?.offset ?? offset,
      high: offset,
    }));
  }

  /** A partition with no record that late answers offset -1: its end, as the port says. */
  async offsetsAt(topic: string, at: Date): Promise<PartitionOffset[]> {
    const [byTime, ends] = await Promise.all([
      this.offsetsBy(topic, BigInt(at.getTime())),
      this.offsetsBy(topic, ListOffsetTimestamps.LATEST),
    ]);
    return byTime.map(({ partition, offset }) => ({
      partition,
      offset: offset === '-1' ? (ends.find((e) => e.partition === partition)?.offset ?? offset) : offset,
    }));
  }

  private async offsetsBy(topic: string, timestamp: bigint): Promise<PartitionOffset[]> {
    const metadata = await this.admin.metadata({ topics: [topic] });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const listed = await this.admin.listOffsets({
      topics: [
        {
          name: topic,
          partitions: Array.from({ length: count }, (_, partitionIndex) => ({ partitionIndex, timestamp })),
        },
      ],
    });
    return (listed[0]?.partitions ?? [])
      .map(({ partitionIndex, offset }) => ({ partition: partitionIndex, offset: offset.toString() }))
      .sort((a, b) => a.partition - b.partition);
  }

  async listGroups(): Promise<GroupListing[]> {
    return [...(await this.admin.listGroups()).values()].map(({ id, protocolType }) => ({ groupId: id, protocolType }));
  }

  async committedOffsets(groupId: string, topics: readonly string[]): Promise<CommittedOffsets[]> {
    const metadata = await this.admin.metadata({ topics: [...topics] });
    const [group] = await this.admin.listConsumerGroupOffsets({
      groups: [
        {
          groupId,
          topics: topics.map((name) => ({
            name,
            partitionIndexes: Array.from({ length: metadata.topics.get(name)?.partitionsCount ?? 0 }, (_, i) => i),
          })),
        },
      ],
    });
    return topics.map((topic) => ({
      topic,
      partitions: (group?.topics.find((t) => t.name === topic)?.partitions ?? [])
        .map(({ partitionIndex, committedOffset }) => ({
          partition: partitionIndex,
          offset: committedOffset.toString(),
        }))
        .sort((a, b) => a.partition - b.partition),
    }));
  }

  setCommittedOffsets(groupId: string, topic: string, partitions: readonly PartitionOffset[]): Promise<void> {
    return this.admin.alterConsumerGroupOffsets({
      groupId,
      topics: [
        {
          name: topic,
          partitionOffsets: partitions.map((p) => ({ partition: p.partition, offset: BigInt(p.offset) })),
        },
      ],
    });
  }

  async subscribedTopics(groupIds: readonly string[]): Promise<Map<string, string[]>> {
    if (groupIds.length === 0) return new Map();
    const groups = await this.admin.describeGroups({ groups: [...groupIds] });
    return new Map(
      groupIds.map((groupId) => {
        const topics = new Set<string>();
        for (const member of groups.get(groupId)?.members.values() ?? [])
          for (const topic of member.metadata?.topics ?? []) topics.add(topic);
        return [groupId, [...topics].sort()];
      }),
    );
  }

  deleteGroups(groupIds: readonly string[]): Promise<void> {
    return this.admin.deleteGroups({ groups: [...groupIds] });
  }
}
