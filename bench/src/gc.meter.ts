import { PerformanceObserver, constants } from 'node:perf_hooks';

/**
 * Time this process spent in V8's garbage collector while `measure` ran,
 * by kind: the replay runs in the benchmark's own process, so its pauses are
 * these. Scavenges are young-generation collections; mark-compacts are full.
 */
export interface GcTime {
  scavengeMs: number;
  markCompactMs: number;
  otherMs: number;
}

export async function measureGc<T>(measure: () => Promise<T>): Promise<{ result: T; gc: GcTime }> {
  const gc: GcTime = { scavengeMs: 0, markCompactMs: 0, otherMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.scavengeMs += entry.duration;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.markCompactMs += entry.duration;
      else gc.otherMs += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    const result = await measure();
    return { result, gc };
  } finally {
    observer.disconnect();
  }
}
