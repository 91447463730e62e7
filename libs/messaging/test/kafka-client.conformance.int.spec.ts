import { randomUUID } from 'node:crypto';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { createTestTopics } from '../../../test/support/test-topics';
import { waitUntil } from '../../../test/support/wait-until';
import {
  type BatchConsumer,
  type ConsumedRecord,
  KafkaError,
  type KafkaClient,
  type PartitionBatch,
  type RecordProducer,
  createKafka,
  kafkaClients,
  partitionOfKey,
} from '../src';

/**
 * What the project asks of a Kafka client, asked of each adapter of the port
 * against the real broker: the same specification, whichever library is
 * behind it. The consumer runtime's own tests (event-consumer.int.spec.ts:
 * redelivery after SIGKILL, SIGTERM mid-batch, transient failures) run with
 * each adapter too (`ORDERFLOW_KAFKA_CLIENT`, see infra/bin/run-tests).
 */
const brokers = [loadStackConfig().kafka.bootstrap];

describe.each(kafkaClients)('the Kafka port over %s', (client) => {
  const kafka: KafkaClient = createKafka(`test-conformance-${client}`, brokers, { logLevel: 'nothing' }, client);
  let producer: RecordProducer;
  const cleanups: (() => Promise<void>)[] = [];
  const consumers: BatchConsumer[] = [];

  beforeAll(async () => {
    producer = kafka.safeProducer();
    await producer.connect();
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop().catch(() => undefined)));
  });
  afterAll(async () => {
    await producer.disconnect();
    for (const cleanup of cleanups) await cleanup();
  });

  const aTopic = async (partitions: number): Promise<string> => {
    const { names, remove } = await createTestTopics(brokers, [{ purpose: `conformance-${client}`, partitions }]);
    cleanups.push(remove);
    return names[0]!;
  };
  const records = (count: number, key: (i: number) => string) =>
    Array.from({ length: count }, (_, i) => ({ key: key(i), value: JSON.stringify({ i, key: key(i) }) }));
  const valueOf = (record: ConsumedRecord) => JSON.parse(record.value!.toString()) as { i: number; key: string };
  const aConsumer = (
    topic: string,
    groupId = `test.conformance.${randomUUID()}`,
    partitionsConsumedConcurrently = 6,
  ) => {
    const consumer = kafka.batchConsumer({
      groupId,
      topics: [topic],
      fetchMinBytes: 1,
      fetchMaxWaitMs: 100,
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 1_000,
      partitionsConsumedConcurrently,
    });
    consumers.push(consumer);
    return consumer;
  };
  const lastOffset = (batch: PartitionBatch) => batch.records[batch.records.length - 1]!.offset;

  it("puts each keyed record where the Java client's murmur2 puts its key, and says where each landed", async () => {
    const topic = await aTopic(6);
    const sent = records(30, (i) => `order-${i % 7}`);

    const positions = await producer.send(topic, sent);

    expect(positions.map((p) => p.partition)).toEqual(sent.map((r) => partitionOfKey(r.key, 6)));
    const read = new Map<string, string>();
    const ranges = [0, 1, 2, 3, 4, 5].map((partition) => ({ partition, from: 0n, end: 30n }));
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.topicOffsets(topic);
    await admin.disconnect();
    await kafka.readRanges(
      topic,
      ranges.map((r) => ({ ...r, end: BigInt(ends.find((e) => e.partition === r.partition)!.high) })),
      (batch, partition) => {
        for (const record of batch) read.set(`${partition}/${record.offset}`, record.key!.toString());
      },
      { groupPrefix: 'test.conformance.read', timeoutMs: 30_000 },
    );
    expect(positions.map((p) => read.get(`${p.partition}/${p.offset}`))).toEqual(sent.map((r) => r.key));
  });

  it("hands out each partition's records in order, one batch of a partition at a time", async () => {
    const topic = await aTopic(3);
    const sent = records(300, (i) => `key-${i % 10}`);
    await producer.send(topic, sent);
    const seen = new Map<string, number[]>();
    const inHand = new Set<number>();
    let overlapped = false;

    await aConsumer(topic).run(async (batch) => {
      if (inHand.has(batch.partition)) overlapped = true;
      inHand.add(batch.partition);
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (const record of batch.records) {
        const { i, key } = valueOf(record);
        seen.set(key, [...(seen.get(key) ?? []), i]);
      }
      await batch.commit(lastOffset(batch));
      inHand.delete(batch.partition);
    });

    await waitUntil('every record', () => [...seen.values()].flat().length >= 300, 30_000);
    for (const [key, order] of seen) {
      expect(order).toEqual(sent.flatMap((r, i) => (r.key === key ? [i] : [])));
    }
    expect(overlapped).toBe(false);
  });

  it('starts a later member of the group after the last offset committed, not before', async () => {
    const topic = await aTopic(1);
    await producer.send(
      topic,
      records(20, (i) => `k${i}`),
    );
    const groupId = `test.conformance.${randomUUID()}`;
    const first = aConsumer(topic, groupId);
    let committed = false;
    await first.run(async (batch) => {
      if (committed) return;
      const tenth = batch.records.find((r) => r.offset === '9');
      if (!tenth) return;
      await batch.commit('9');
      committed = true;
    });
    await waitUntil('the first ten committed', () => committed, 30_000);
    await first.stop();

    const offsets: string[] = [];
    await aConsumer(topic, groupId).run(async (batch) => {
      offsets.push(...batch.records.map((r) => r.offset));
      await batch.commit(lastOffset(batch));
    });

    await waitUntil('the rest', () => offsets.includes('19'), 30_000);
    expect(offsets[0]).toBe('10');
    expect(new Set(offsets).size).toBe(10);
  });

  it('hands a paused partition out again from its first uncommitted record once resumed, while the others go on', async () => {
    const topic = await aTopic(2);
    const [keyOn0, keyOn1] = ['a', 'b', 'c', 'd', 'e', 'f'].reduce<[string, string]>(
      ([k0, k1], k) => (partitionOfKey(k, 2) === 0 ? [k0 || k, k1] : [k0, k1 || k]),
      ['', ''],
    );
    await producer.send(
      topic,
      records(5, () => keyOn0),
    );
    const handedOut: { partition: number; offsets: string[]; at: number }[] = [];
    let resume: (() => void) | undefined;

    await aConsumer(topic).run(async (batch) => {
      handedOut.push({ partition: batch.partition, offsets: batch.records.map((r) => r.offset), at: Date.now() });
      if (batch.partition === 0 && !resume) {
        await batch.commit(batch.records[0]!.offset);
        resume = batch.pause();
        return;
      }
      await batch.commit(lastOffset(batch));
    });
    await waitUntil('partition 0 paused', () => resume !== undefined, 30_000);
    await producer.send(
      topic,
      records(3, () => keyOn1),
    );
    await waitUntil('partition 1 consumed while 0 is paused', () => handedOut.some((h) => h.partition === 1), 30_000);
    expect(handedOut.filter((h) => h.partition === 0)).toHaveLength(1);

    resume!();

    await waitUntil('partition 0 again', () => handedOut.filter((h) => h.partition === 0).length > 1, 30_000);
    const again = handedOut.filter((h) => h.partition === 0)[1]!;
    expect(again.offsets[0]).toBe('1');
    expect(again.offsets).toContain('4');
  });

  it('shares the partitions with a member that joins, and loses no record across the rebalance', async () => {
    const topic = await aTopic(4);
    const groupId = `test.conformance.${randomUUID()}`;
    const received = new Map<string, Set<number>>([
      ['first', new Set()],
      ['second', new Set()],
    ]);
    const partitionsOf = new Map<string, Set<number>>([
      ['first', new Set()],
      ['second', new Set()],
    ]);
    // A record counts once a commit through it succeeded: one handed out and then dropped in a rebalance
    // without ever being committed would be lost, and the wait below would time out.
    const member = (name: string) => async (batch: PartitionBatch) => {
      if (!batch.current()) return;
      await new Promise((resolve) => setTimeout(resolve, 20)); // batches in hand while the group rebalances
      if (
        !(await batch.commit(lastOffset(batch)).then(
          () => true,
          () => false,
        ))
      )
        return;
      for (const record of batch.records) received.get(name)!.add(valueOf(record).i);
      partitionsOf.get(name)!.add(batch.partition);
    };
    await aConsumer(topic, groupId).run(member('first'));
    await producer.send(
      topic,
      records(100, (i) => `k${i}`),
    );
    await waitUntil('the first hundred', () => received.get('first')!.size >= 100, 30_000);

    await aConsumer(topic, groupId).run(member('second'));
    for (let i = 0; i < 10; i += 1) {
      await producer.send(
        topic,
        records(20, (j) => `k${j}`).map((r, j) => ({ ...r, value: JSON.stringify({ i: 100 + i * 20 + j }) })),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
    }

    const all = () => new Set([...received.get('first')!, ...received.get('second')!]);
    await waitUntil('all 300 records', () => all().size >= 300, 60_000);
    expect(partitionsOf.get('second')!.size).toBeGreaterThan(0);
  });

  it('lets the batch in hand finish and commit when stopped', async () => {
    const topic = await aTopic(1);
    await producer.send(
      topic,
      records(10, (i) => `k${i}`),
    );
    const groupId = `test.conformance.${randomUUID()}`;
    let started = false;
    let finished = false;
    const consumer = aConsumer(topic, groupId);
    await consumer.run(async (batch) => {
      started = true;
      await new Promise((resolve) => setTimeout(resolve, 500));
      await batch.commit(lastOffset(batch));
      finished = true;
    });
    await waitUntil('a batch in hand', () => started, 30_000);

    await consumer.stop();

    expect(finished).toBe(true);
    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.committedOffsets(groupId, [topic]);
    await admin.deleteGroups([groupId]);
    await admin.disconnect();
    expect(committed!.partitions).toEqual([{ partition: 0, offset: '10' }]);
  });

  it('tails from the offsets asked, and from the end elsewhere', async () => {
    const topic = await aTopic(2);
    const keyOn0 = ['a', 'b', 'c', 'd'].find((k) => partitionOfKey(k, 2) === 0)!;
    const keyOn1 = ['a', 'b', 'c', 'd'].find((k) => partitionOfKey(k, 2) === 1)!;
    await producer.send(topic, [...records(3, () => keyOn0), ...records(3, () => keyOn1)]);
    const groupId = `test.conformance.tail.${randomUUID()}`;
    const tail = kafka.tail({
      groupId,
      topics: [topic],
      fetchMaxWaitMs: 100,
      startAt: [{ topic, partition: 0, offset: '1' }],
    });
    const seen: string[] = [];
    let joined = false;
    tail.onGroupEvent((event) => {
      if (event.kind === 'joined') joined = true;
    });
    await tail.run((record) => void seen.push(`${record.partition}/${record.offset}`));
    await waitUntil('joined', () => joined, 30_000);
    await waitUntil('partition 0 from offset 1', () => seen.includes('0/2'), 30_000);
    await producer.send(
      topic,
      records(1, () => keyOn1),
    );
    await waitUntil('the new record on partition 1', () => seen.includes('1/3'), 30_000);
    await tail.stop();

    expect(seen).toEqual(['0/1', '0/2', '1/3']);
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  });

  const sinkValues = async (topic: string): Promise<string[]> => {
    const values: string[] = [];
    await aConsumer(topic).run(async (batch) => {
      values.push(...batch.records.map((r) => r.value!.toString()));
      await batch.commit(lastOffset(batch));
    });
    return values;
  };
  const committedOf = async (groupId: string, topic: string) => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.committedOffsets(groupId, [topic]))[0]!.partitions;
    } finally {
      await admin.disconnect();
    }
  };

  it("commits a transaction's records together with the consumed offsets it commits", async () => {
    const [source, sink] = [await aTopic(1), await aTopic(1)];
    await producer.send(
      source,
      records(5, (i) => `k${i}`),
    );
    const transactional = kafka.transactionalProducer(`test.conformance.${client}.${randomUUID()}`);
    await transactional.connect();
    cleanups.push(() => transactional.disconnect());
    const groupId = `test.conformance.${randomUUID()}`;
    let forwarded = 0;

    await aConsumer(source, groupId).run(async (batch) => {
      await transactional.inTransaction(async (tx) => {
        await tx.send(
          sink,
          batch.records.map((r) => ({ key: r.key, value: `forwarded ${valueOf(r).i}` })),
        );
        await tx.commitOffset(batch, lastOffset(batch));
      });
      forwarded += batch.records.length;
    });
    await waitUntil('five forwarded', () => forwarded >= 5, 30_000);

    const values = await sinkValues(sink);
    await waitUntil('the sink read', () => values.length >= 5, 30_000);
    expect(values).toEqual([0, 1, 2, 3, 4].map((i) => `forwarded ${i}`));
    expect(await committedOf(groupId, source)).toEqual([{ partition: 0, offset: '5' }]);
  });

  it("never hands out an aborted transaction's records, nor commits its offsets", async () => {
    const [source, sink] = [await aTopic(1), await aTopic(1)];
    await producer.send(
      source,
      records(3, (i) => `k${i}`),
    );
    const transactional = kafka.transactionalProducer(`test.conformance.${client}.${randomUUID()}`);
    await transactional.connect();
    cleanups.push(() => transactional.disconnect());
    const groupId = `test.conformance.${randomUUID()}`;
    let aborted: unknown;

    await aConsumer(source, groupId).run(async (batch) => {
      if (aborted) return;
      aborted = await transactional
        .inTransaction(async (tx) => {
          await tx.send(sink, [{ key: 'k', value: 'aborted' }]);
          await tx.commitOffset(batch, lastOffset(batch));
          throw new Error('the unit failed');
        })
        .catch((error: unknown) => error);
    });
    await waitUntil('the transaction aborted', () => aborted !== undefined, 30_000);
    expect((aborted as Error).message).toBe('the unit failed');
    await transactional.inTransaction((tx) => tx.send(sink, [{ key: 'k', value: 'committed' }]));

    const values = await sinkValues(sink);
    await waitUntil('the committed record', () => values.includes('committed'), 30_000);
    expect(values).toEqual(['committed']);
    expect(await committedOf(groupId, source)).toEqual([{ partition: 0, offset: '-1' }]);
  });

  it('administers topics, configs, offsets and groups', async () => {
    const topic = `test.conformance-admin-${client}.${randomUUID().slice(0, 8)}`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics([
        { topic, partitions: 2, replicationFactor: 1, configs: { 'retention.ms': '3600000' } },
      ]);
      expect(await admin.listTopics()).toContain(topic);
      expect((await admin.brokerIds()).length).toBeGreaterThan(0);
      const [described] = await admin.describeTopics([topic]);
      expect(described!.partitions.map((p) => p.partition)).toEqual([0, 1]);
      expect(described!.partitions.every((p) => p.leader >= 0 && p.isr.includes(p.leader))).toBe(true);

      await admin.alterTopicConfigs([{ topic, configs: { 'cleanup.policy': 'compact' } }]);
      const configs = (await admin.topicConfigs([topic])).get(topic)!;
      expect(configs).toMatchObject({ 'cleanup.policy': 'compact', 'retention.ms': '3600000' });

      await admin.growPartitions([{ topic, partitions: 3 }]);
      // A new partition's leader may still answer "not the leader" a moment after the metadata names it.
      const partitionCount = () =>
        admin.topicOffsets(topic).then(
          (offsets) => offsets.length,
          (error: unknown) => (error instanceof KafkaError && error.retriable ? 0 : Promise.reject(error)),
        );
      await waitUntil('three partitions', async () => (await partitionCount()) === 3, 15_000);

      const before = new Date();
      await producer.send(topic, [
        { key: 'k', value: 'one', partition: 0 },
        { key: 'k', value: 'two', partition: 0 },
      ]);
      expect(await admin.topicOffsets(topic)).toEqual([
        { partition: 0, low: '0', high: '2' },
        { partition: 1, low: '0', high: '0' },
        { partition: 2, low: '0', high: '0' },
      ]);
      expect(await admin.offsetsAt(topic, new Date(before.getTime() - 60_000))).toEqual([
        { partition: 0, offset: '0' },
        { partition: 1, offset: '0' },
        { partition: 2, offset: '0' },
      ]);
      expect((await admin.offsetsAt(topic, new Date(Date.now() + 60_000)))[0]).toEqual({ partition: 0, offset: '2' });

      const groupId = `test.conformance.admin.${randomUUID()}`;
      await admin.setCommittedOffsets(groupId, topic, [{ partition: 0, offset: '1' }]);
      expect(await admin.committedOffsets(groupId, [topic])).toEqual([
        {
          topic,
          partitions: [
            { partition: 0, offset: '1' },
            { partition: 1, offset: '-1' },
            { partition: 2, offset: '-1' },
          ],
        },
      ]);
      expect((await admin.listGroups()).map((g) => g.groupId)).toContain(groupId);

      const member = aConsumer(topic, groupId);
      await member.run(async () => undefined);
      await waitUntil(
        'the member subscribed',
        async () => (await admin.subscribedTopics([groupId])).get(groupId)?.includes(topic) === true,
        15_000,
      );
      await member.stop();
      // The member's leave reaches the coordinator a moment after stop() returns: a non-empty group is not deleted.
      await waitUntil(
        'the group deleted',
        () =>
          admin.deleteGroups([groupId]).then(
            () => true,
            () => false,
          ),
        15_000,
      );
      expect((await admin.listGroups()).map((g) => g.groupId)).not.toContain(groupId);
    } finally {
      await admin.deleteTopics([topic]).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
