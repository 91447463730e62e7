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
  /** Ticks per component. */
  ticks: Map<string, number>;
  /** Postgres' processes: kind (walsenders for Debezium, the backends of each database, the rest) and ticks. */
  postgres: Map<number, { kind: string; ticks: number }>;
  machine: { idle: number; total: number };
}

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on Linux builds for every common architecture.

interface Stat {
  ppid: number;
  pgid: number;
  /** utime + stime + cutime + cstime */
  ticks: number;
  /** utime + stime: the process's own, without the children it reaped */
  ownTicks: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields of proc(5) from "state" on, so ppid is 1, pgrp 2, utime … cstime 11–14.
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    return { ppid: f[1]!, pgid: f[2]!, ticks: f[11]! + f[12]! + f[13]! + f[14]!, ownTicks: f[11]! + f[12]! };
  } catch {
    return undefined;
  }
}

export class CpuSampler {
  private constructor(
    /** Component by recorded pid and by process group. */
    private readonly byPid: Map<number, string>,
    private readonly byGroup: Map<number, string>,
  ) {}

  /** The processes of every component `stack status` lists. */
  static async forStack(): Promise<CpuSampler> {
    const status = await stackStatus(loadStackConfig());
    const byPid = new Map<number, string>();
    const byGroup = new Map<number, string>();
    for (const [name, { pid }] of Object.entries(status.components)) {
      if (pid === undefined) continue;
      byPid.set(pid, name);
      const pgid = readStat(pid)?.pgid;
      if (pgid !== undefined) byGroup.set(pgid, name);
    }
    return new CpuSampler(byPid, byGroup);
  }

  sample(): CpuSample {
    const stats = new Map<number, Stat>();
    for (const entry of readdirSync('/proc')) {
      const stat = /^\d+$/.test(entry) ? readStat(Number(entry)) : undefined;
      if (stat) stats.set(Number(entry), stat);
    }
    const componentOf = (pid: number): string | undefined => {
      if (pid === process.pid) return 'load generator';
      for (let at: number | undefined = pid, hops = 0; at && at > 1 && hops < 8; hops += 1) {
        const stat = stats.get(at);
        const name = this.byPid.get(at) ?? (stat && this.byGroup.get(stat.pgid));
        if (name) return name;
        at = stat?.ppid;
      }
      return undefined;
    };
    const ticks = new Map<string, number>([...new Set(this.byPid.values())].map((name) => [name, 0]));
    const postgres = new Map<number, { kind: string; ticks: number }>();
    for (const [pid, stat] of stats) {
      const name = componentOf(pid);
      if (name) ticks.set(name, (ticks.get(name) ?? 0) + stat.ticks);
      if (name === 'postgres') postgres.set(pid, { kind: postgresProcessKind(pid), ticks: stat.ownTicks });
    }
    const machine = { idle: 0, total: 0 };
    for (const { times } of os.cpus()) {
      machine.idle += (times.idle / 1000) * TICKS_PER_SECOND;
      machine.total += (Object.values(times).reduce((a, b) => a + b, 0) / 1000) * TICKS_PER_SECOND;
    }
    return { at: Date.now(), ticks, postgres, machine };
  }

  /** % of one core per component between two samples, busiest first, then the whole machine's. */
  static usage(from: CpuSample, to: CpuSample): Record<string, number> {
    const busy = to.machine.total - from.machine.total - (to.machine.idle - from.machine.idle);
    const used = new Map([...to.ticks].map(([name, ticks]) => [name, ticks - (from.ticks.get(name) ?? 0)]));
    return { ...percentages(from, to, used), 'machine busy': percent(busy, from, to) };
  }

  /**
   * Postgres' share split by kind of process, busiest first: each process's
   * own ticks since the first sample (a backend that ended meanwhile is left
   * out, so the parts can add up to a little less than Postgres' total).
   */
  static postgresUsage(from: CpuSample, to: CpuSample): Record<string, number> {
    const byKind = new Map<string, number>();
    for (const [pid, { kind, ticks }] of to.postgres) {
      byKind.set(kind, (byKind.get(kind) ?? 0) + ticks - (from.postgres.get(pid)?.ticks ?? 0));
    }
    return percentages(from, to, byKind);
  }
}

/** To a tenth of a percent: a service at ~15 % of a core differs between configurations by less than a whole one. */
const percent = (ticks: number, from: CpuSample, to: CpuSample) =>
  Math.round((ticks / TICKS_PER_SECOND / ((to.at - from.at) / 1000)) * 1000) / 10;

/** Ticks used between the two samples, by name, as % of one core, busiest first. */
function percentages(from: CpuSample, to: CpuSample, used: Map<string, number>): Record<string, number> {
  const usage = [...used]
    .map(([name, ticks]) => [name, percent(ticks, from, to)] as const)
    .sort(([, a], [, b]) => b - a);
  return Object.fromEntries(usage);
}

/**
 * From the process title Postgres sets: "postgres: walsender …" for a
 * replication connection, "postgres: <user> <database> <host>(<port>) <state>"
 * for a client backend, "postgres: checkpointer" and the like for the rest.
 */
function postgresProcessKind(pid: number): string {
  let title = '';
  try {
    title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return 'background';
  }
  const words = title.replace(/^postgres:\s*/, '').split(/\s+/);
  if (words[0] === 'walsender') return 'walsenders';
  if (title.startsWith('postgres:') && words.length >= 3 && /\(\d+\)$/.test(words[2]!)) return `db ${words[1]}`;
  return 'background';
}

export const formatUsage = (usage: Record<string, number>) =>
  Object.entries(usage)
    .map(([name, pct]) => `${name} ${pct}%`)
    .join(', ');
