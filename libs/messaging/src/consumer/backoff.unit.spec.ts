import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const policy = { initialMs: 200, maxMs: 30_000 };

  it('doubles from the initial delay with each failure', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(policy, attempt, 0.5))).toEqual([200, 400, 800, 1600]);
  });

  it('never waits longer than the cap, however long the outage', () => {
    expect(backoffDelay(policy, 9, 0.5)).toBe(30_000);
    expect(backoffDelay(policy, 10_000, 0.999)).toBeLessThanOrEqual(30_000 * 1.25);
  });

  it('spreads the retries of partitions blocked together by ±25 %', () => {
    expect(backoffDelay(policy, 3, 0)).toBe(600);
    expect(backoffDelay(policy, 3, 0.999)).toBe(1000);
  });
});
