import { positionsOf } from './record.positions';

describe('positionsOf (where each record of a send landed)', () => {
  it('numbers the records of one partition on from the offset the broker gave their batch, in send order', () => {
    const acks = [
      { partition: 0, firstOffset: 7n },
      { partition: 2, firstOffset: 40n },
    ];
    expect(positionsOf([2, 0, 2, 2], acks)).toEqual([
      { partition: 2, offset: '40' },
      { partition: 0, offset: '7' },
      { partition: 2, offset: '41' },
      { partition: 2, offset: '42' },
    ]);
  });

  it('refuses to guess where the broker acknowledged nothing', () => {
    expect(() => positionsOf([3], [{ partition: 0, firstOffset: 7n }])).toThrow(/no offset for partition 3/);
  });
});
