/**
 * The partition Kafka's Java client (and so Kafka Connect, Debezium's
 * producer) gives a key: murmur2 of its UTF-8 bytes, made positive, modulo the
 * partition count. One key, one partition, whoever produces it.
 */
export function partitionOfKey(key: string, partitions: number): number {
  // kafkajs ships the Java client's murmur2 (its DefaultPartitioner uses it) but exports no path to it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: string) => number;
  return (murmur2(key) & 0x7fffffff) % partitions;
}
