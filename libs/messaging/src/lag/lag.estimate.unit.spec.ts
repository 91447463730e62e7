import { type EndOffsetSample, keepRecent, oldestUnconsumedSeconds } from './lag.estimate';

describe('oldestUnconsumedSeconds', () => {
  const history: EndOffsetSample[] = [
    { at: 0, end: 100 },
    { at: 10_000, end: 200 },
    { at: 20_000, end: 300 },
  ];

  it('is 0 when the group has consumed everything', () => {
    expect(oldestUnconsumedSeconds(history, 300, 25_000)).toBe(0);
  });

  it('interpolates when the first unconsumed offset was written', () => {
    // Offset 150 is the 51st of the 100 written between 0 s and 10 s: written at 5.1 s.
    expect(oldestUnconsumedSeconds(history, 150, 25_000)).toBeCloseTo(19.9, 5);
  });

  it('puts the next offset after a sample right after that sample', () => {
    // Offset 200 is the first written after the 10 s sample.
    expect(oldestUnconsumedSeconds(history, 200, 20_000)).toBeCloseTo(9.9, 5);
  });

  it('gives the history span as a lower bound when the wait began before it', () => {
    expect(oldestUnconsumedSeconds(history, 50, 30_000)).toBe(30);
  });

  it('is 0 without a history', () => {
    expect(oldestUnconsumedSeconds([], 0, 1_000)).toBe(0);
  });
});

describe('keepRecent', () => {
  it('keeps the first instant an end was seen and moves the last one forward', () => {
    const history: EndOffsetSample[] = [];
    for (const [at, end] of [
      [0, 10],
      [5, 10],
      [10, 10],
      [15, 12],
    ] as const)
      keepRecent(history, { at, end }, 1_000, 100);
    expect(history).toEqual([
      { at: 0, end: 10 },
      { at: 10, end: 10 },
      { at: 15, end: 12 },
    ]);
  });

  it('drops samples older than the span and beyond the count, never the newest', () => {
    const history: EndOffsetSample[] = [];
    for (let i = 0; i < 10; i += 1) keepRecent(history, { at: i * 100, end: i }, 350, 3);
    expect(history.map((s) => s.end)).toEqual([7, 8, 9]);
    keepRecent(history, { at: 10_000, end: 10 }, 350, 3);
    expect(history.map((s) => s.end)).toEqual([10]);
  });
});
