/** A partition's log end offset as seen at one instant. */
export interface EndOffsetSample {
  at: number;
  end: number;
}

/**
 * How long the oldest unconsumed message of a partition has waited, from a
 * history of its log end offset (oldest sample first) and the group's
 * committed offset (the next message it will read). Kafka does not tell when
 * an offset was written without reading the message, so, as
 * kafka-lag-exporter does, the instant the log end passed `committed` is
 * interpolated between the two samples around it. If every sample in the
 * history is already past it, the wait is at least the history's span: that
 * lower bound is returned. 0 when nothing is waiting.
 */
export function oldestUnconsumedSeconds(history: readonly EndOffsetSample[], committed: number, now: number): number {
  const latest = history.at(-1);
  if (!latest || latest.end <= committed) return 0;
  let after = history.length - 1;
  while (after > 0 && history[after - 1]!.end > committed) after -= 1;
  const passed = history[after]!;
  if (after === 0) return (now - passed.at) / 1000;
  const before = history[after - 1]!;
  // Offsets written evenly between the two samples: `committed` is the (committed − before.end + 1)-th of them.
  const share = (committed - before.end + 1) / (passed.end - before.end);
  const writtenAt = before.at + share * (passed.at - before.at);
  return Math.max(0, (now - writtenAt) / 1000);
}

/** Keeps the samples of the last `spanMs`, at most `max` of them; the newest always stays. */
export function keepRecent(history: EndOffsetSample[], sample: EndOffsetSample, spanMs: number, max: number): void {
  const last = history.at(-1);
  // An unchanged end adds nothing to interpolate with but the newest instant: move it forward.
  if (last && last.end === sample.end && history.length > 1 && history.at(-2)!.end === sample.end) {
    last.at = sample.at;
  } else {
    history.push(sample);
  }
  while (history.length > max || (history.length > 1 && history[0]!.at < sample.at - spanMs)) history.shift();
}
