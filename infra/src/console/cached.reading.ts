/**
 * A reading that is taken at most once per `maxAgeMs`, however many pages
 * poll it: callers within that time share the last outcome (a value or the
 * error), and callers while a read is in flight wait for that one read. So
 * several open tabs cost the broker no more than one, and a dependency that
 * is down is not asked again on every poll.
 */
export class CachedReading<T> {
  private last: { at: number; outcome: Promise<T> } | undefined;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    const now = this.now();
    if (this.last && now - this.last.at < this.maxAgeMs) return this.last.outcome;
    const outcome = this.read();
    const entry = { at: Number.POSITIVE_INFINITY, outcome };
    this.last = entry;
    // Its age counts from when it settled: a slow read is not stale the moment it lands.
    const settled = () => {
      entry.at = this.now();
    };
    outcome.then(settled, settled);
    return outcome;
  }
}
