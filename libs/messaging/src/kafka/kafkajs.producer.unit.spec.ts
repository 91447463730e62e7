import { Partitioners } from 'kafkajs';
import { positionsOf } from './kafkajs.producer';
import { partitionOfKey } from './key.partitioner';

const written = (partition: number, baseOffset: string) => ({ topicName: 't', partition, errorCode: 0, baseOffset });

describe('positionsOf (where each record of a send landed)', () => {
  it('numbers the records of one partition on from the offset the broker gave their batch, in send order', () => {
    expect(positionsOf([2, 0, 2, 2], [written(0, '7'), written(2, '40')])).toEqual([
      { partition: 2, offset: '40' },
      { partition: 0, offset: '7' },
      { partition: 2, offset: '41' },
      { partition: 2, offset: '42' },
    ]);
  });

  it('reads an answer that carries `offset` rather than `baseOffset`', () => {
    expect(positionsOf([1], [{ topicName: 't', partition: 1, errorCode: 0, offset: '5' }])).toEqual([
      { partition: 1, offset: '5' },
    ]);
  });

  it('refuses to guess where the broker acknowledged nothing', () => {
    expect(() => positionsOf([3], [written(0, '7')])).toThrow(/no offset for partition 3/);
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
