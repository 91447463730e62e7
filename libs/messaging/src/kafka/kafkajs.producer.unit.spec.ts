import { Partitioners } from 'kafkajs';
import { acksOf } from './kafkajs.producer';
import { partitionOfKey } from './key.partitioner';

describe('acksOf (what kafkajs acknowledged, per partition)', () => {
  it('reads the first offset of each partition from `baseOffset`, or from `offset` where that is what it carries', () => {
    expect(
      acksOf([
        { topicName: 't', partition: 0, errorCode: 0, baseOffset: '7' },
        { topicName: 't', partition: 1, errorCode: 0, offset: '5' },
      ]),
    ).toEqual([
      { partition: 0, firstOffset: 7n },
      { partition: 1, firstOffset: 5n },
    ]);
  });
});

describe("kafkajs' DefaultPartitioner, the safe producer's", () => {
  const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));

  it.each(['order-1', '01a23778-294e-7436-8506-c346fd472f36', 'ümlaut-ключ-键', ''])(
    'puts %j where partitionOfKey (the Java client’s murmur2) says',
    (key) => {
      const partitionOf = Partitioners.DefaultPartitioner();
      expect(partitionOf({ topic: 't', partitionMetadata, message: { key, value: null } })).toBe(
        partitionOfKey(key, 6),
      );
    },
  );
});
