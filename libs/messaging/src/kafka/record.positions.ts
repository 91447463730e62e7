import type { RecordPosition } from './kafka.port';

/** What a broker acknowledged for one partition of a send: the offset of the first record it wrote there. */
export interface PartitionAck {
  partition: number;
  firstOffset: bigint;
}

/**
 * Each record's position, from the partition each went to (in send order)
 * and the broker's answer per partition. One send writes one batch per
 * partition, its records at consecutive offsets.
 */
export function positionsOf(partitions: readonly number[], acks: readonly PartitionAck[]): RecordPosition[] {
  const next = new Map(acks.map(({ partition, firstOffset }) => [partition, firstOffset]));
  return partitions.map((partition) => {
    const offset = next.get(partition);
    if (offset === undefined) throw new Error(`the broker acknowledged no offset for partition ${partition}`);
    next.set(partition, offset + 1n);
    return { partition, offset: offset.toString() };
  });
}
