/**
 * The partition Kafka's Java client (and so Kafka Connect, Debezium's
 * producer) gives a key: murmur2 of its UTF-8 bytes, made positive, modulo the
 * partition count. One key, one partition, whoever produces it.
 */
export function partitionOfKey(key: string | Buffer, partitions: number): number {
  return (murmur2(typeof key === 'string' ? Buffer.from(key, 'utf8') : key) & 0x7fffffff) % partitions;
}

/**
 * Kafka's `Utils.murmur2` in 32-bit arithmetic. Our own rather than a
 * client's: the one our client library ships is internal (no exported path), and the key's
 * partition is Kafka's, not a client's. key.partitioner.unit.spec.ts checks it
 * against the Java client's partitions.
 */
function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const blocks = length - (length % 4);
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length % 4;
  if (rest === 3) h ^= data[blocks + 2]! << 16;
  if (rest >= 2) h ^= data[blocks + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ data[blocks]!, m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h;
}
