import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { loadStackConfig } from '../../infra/src/config/stack.config';
import { stackStatus } from '../../infra/src/stack';

/**
 * CPU time per stack component over a stretch of a benchmark, read from
 * /proc: every process in a component's process group or below its recorded
 * process (Postgres' backends are in groups of their own) — a JVM, Postgres,
 * a service — plus this process (the load generator). Reported as % of one
 * core, so on 2 cores the column can add up to 200 %. A process that ended
 * between two samples counts only if its parent reaped it (cutime).
 */
export interface CpuSample {
  at: number;
  ticks: Map<string, number>;
}

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on Linux builds for every common architecture.

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime (fields 14–17 of proc(5), counted from "state" at index 0 here).
    return Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  } catch {
    return 0;
  }
}

/** [parent pid, process group] */
function lineage(pid: number): [number, number] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [Number(fields[1]), Number(fields[2])];
  } catch {
    return undefined;
  }
}
const groupOf = (pid: number) => lineage(pid)?.[1];

export class CpuSampler {
  private constructor(
    private readonly groups: Map<string, number>,
    private readonly roots: Map<number, string>,
  ) {}

  /** The process groups of every component `stack status` lists. */
  static async forStack(): Promise<CpuSampler> {
    const status = await stackStatus(loadStackConfig());
    const groups = new Map<string, number>();
    const roots = new Map<number, string>();
    for (const [name, component] of Object.entries(status.components)) {
      if (component.pid === undefined) continue;
      roots.set(component.pid, name);
      const pgid = groupOf(component.pid);
      if (pgid !== undefined) groups.set(name, pgid);
    }
    return new CpuSampler(groups, roots);
  }

  sample(): CpuSample {
    const ticks = new Map<string, number>([...this.groups.keys()].map((name) => [name, 0]));
    const nameOfGroup = new Map([...this.groups].map(([name, pgid]) => [pgid, name]));
    const pids = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number);
    const family = new Map(pids.map((pid) => [pid, lineage(pid)]));
    const componentOf = (pid: number): string | undefined => {
      if (pid === process.pid) return 'load generator';
      for (let at: number | undefined = pid, hops = 0; at && at > 1 && hops < 8; hops += 1) {
        const name = this.roots.get(at) ?? nameOfGroup.get(family.get(at)?.[1] ?? -1);
        if (name) return name;
        at = family.get(at)?.[0];
      }
      return undefined;
    };
    for (const pid of pids) {
      const name = componentOf(pid);
      if (name) ticks.set(name, (ticks.get(name) ?? 0) + processTicks(pid));
    }
    const [idle, total] = os
      .cpus()
      .reduce(([i, t], cpu) => [i + cpu.times.idle, t + Object.values(cpu.times).reduce((a, b) => a + b, 0)], [0, 0]);
    ticks.set('(machine idle)', (idle / 1000) * TICKS_PER_SECOND);
    ticks.set('(machine total)', (total / 1000) * TICKS_PER_SECOND);
    return { at: Date.now(), ticks };
  }

  /** % of one core per component between two samples, busiest first. */
  static usage(from: CpuSample, to: CpuSample): Record<string, number> {
    const seconds = (to.at - from.at) / 1000;
    const percent = (name: string) =>
      Math.round((((to.ticks.get(name) ?? 0) - (from.ticks.get(name) ?? 0)) / TICKS_PER_SECOND / seconds) * 100);
    const names = [...to.ticks.keys()].filter((n) => !n.startsWith('('));
    const usage = Object.fromEntries(names.map((n) => [n, percent(n)]).sort(([, a], [, b]) => Number(b) - Number(a)));
    const busy = percent('(machine total)') - percent('(machine idle)');
    return { ...usage, 'machine busy': busy };
  }
}

export const formatUsage = (usage: Record<string, number>) =>
  Object.entries(usage)
    .map(([name, pct]) => `${name} ${pct}%`)
    .join(', ');
