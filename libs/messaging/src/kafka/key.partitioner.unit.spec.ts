import { partitionOfKey } from './key.partitioner';

/**
 * Keys and the partitions Kafka's own Java client (kafka-clients 4.3.1,
 * `Utils.toPositive(Utils.murmur2(utf8(key))) % n`, as its producer partitions
 * a keyed record and so Debezium's producer in Connect) gave them, for 6 and
 * 12 partitions: computed once with the stack's jars, kept here.
 */
const fromJavaClient: [key: string, of6: number, of12: number][] = [
  ['', 3, 9],
  ['a', 4, 4],
  ['orders', 0, 0],
  ['order-1', 4, 10],
  ['01a23778-294e-7436-8506-c346fd472f36', 3, 9],
  ['7d0a4f8e-6b7e-4c3b-9d1a-2f4e6b8c0d12', 5, 11],
  ['ümlaut-ключ-键', 3, 3],
  ['0', 2, 8],
  ['00000000-0000-0000-0000-000000000000', 3, 9],
  ['ffffffff-ffff-ffff-ffff-ffffffffffff', 0, 6],
  ['a-much-longer-key-that-spans-several-four-byte-blocks-of-murmur2', 1, 1],
];

describe('partitionOfKey', () => {
  it.each(fromJavaClient)('puts %j where the Java client does', (key, of6, of12) => {
    expect([partitionOfKey(key, 6), partitionOfKey(key, 12)]).toEqual([of6, of12]);
  });
});
