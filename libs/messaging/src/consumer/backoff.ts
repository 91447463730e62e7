/** Capped exponential backoff with jitter: how long a blocked partition waits before its next try. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * Capped at 5 s: a try costs a blocked partition one failed connect or
 * statement, while the cap is how long work may still wait after the outage
 * ended (the fault suite's Postgres scenarios time that recovery).
 */
export const defaultBackoff: BackoffPolicy = { initialMs: 200, maxMs: 5_000 };

/**
 * The wait before try `attempt + 1` after `attempt` failures: initial·2^(attempt−1),
 * capped, with ±25 % jitter so that partitions (and instances) blocked by the
 * same outage do not all come back in the same instant. `random` in [0, 1).
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random = Math.random()): number {
  const exponential = policy.initialMs * 2 ** Math.max(0, Math.min(attempt - 1, 30));
  const capped = Math.min(policy.maxMs, exponential);
  return Math.round(capped * (0.75 + random / 2));
}
