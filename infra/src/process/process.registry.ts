import { spawn } from 'node:child_process';
import {
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  existsSync,
  readdirSync,
  readlinkSync,
} from 'node:fs';
import path from 'node:path';

/**
 * Starts stack processes detached (own process group, output to a log file) and
 * remembers them by pid file, so `stack down` stops exactly what `stack up`
 * started and nothing else.
 */
export interface ProcessRecord {
  name: string;
  pid: number;
  command: string[];
  log: string;
  startedAt: string;
}

export class ProcessRegistry {
  constructor(private readonly dataDir: string) {}

  get runDir(): string {
    return path.join(this.dataDir, 'run');
  }

  get logDir(): string {
    return path.join(this.dataDir, 'logs');
  }

  logFile(name: string): string {
    return path.join(this.logDir, `${name}.log`);
  }

  spawnDetached(
    name: string,
    command: string,
    args: string[],
    options: { cwd: string; env?: NodeJS.ProcessEnv },
  ): ProcessRecord {
    mkdirSync(this.runDir, { recursive: true });
    mkdirSync(this.logDir, { recursive: true });
    const log = this.logFile(name);
    const out = openSync(log, 'a');
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new Error(`could not start ${name}: ${command}`);
    child.unref();
    const record: ProcessRecord = {
      name,
      pid: child.pid,
      command: [command, ...args],
      log,
      startedAt: new Date().toISOString(),
    };
    this.remember(record);
    return record;
  }

  remember(record: ProcessRecord): void {
    mkdirSync(this.runDir, { recursive: true });
    writeFileSync(this.pidFile(record.name), JSON.stringify(record, null, 2));
  }

  recorded(name: string): ProcessRecord | undefined {
    const file = this.pidFile(name);
    if (!existsSync(file)) return undefined;
    return JSON.parse(readFileSync(file, 'utf8')) as ProcessRecord;
  }

  /** Every name with a record, alive or not. */
  names(): string[] {
    if (!existsSync(this.runDir)) return [];
    return readdirSync(this.runDir)
      .filter((file) => file.endsWith('.json'))
      .map((file) => file.slice(0, -'.json'.length));
  }

  forget(name: string): void {
    rmSync(this.pidFile(name), { force: true });
  }

  /** The recorded process, if it is still alive. */
  running(name: string): ProcessRecord | undefined {
    const record = this.recorded(name);
    return record && isAlive(record.pid) ? record : undefined;
  }

  /**
   * SIGTERM the process group, wait, then SIGKILL what is left. The group
   * covers what the process itself started (a JVM's or Postgres' children).
   */
  async stop(name: string, graceMs = 15_000): Promise<void> {
    const record = this.recorded(name);
    if (record) await stopProcessGroup(record.pid, graceMs);
    this.forget(name);
  }

  private pidFile(name: string): string {
    return path.join(this.runDir, `${name}.json`);
  }
}

/**
 * `kill -0` succeeds on a zombie, and PID 1 on these machines reaps late, so an
 * exited process can look alive: read its state from /proc instead.
 */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export async function stopProcessGroup(pid: number, graceMs: number): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  if (!isAlive(pid)) return;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid) && groupMembers(pid).length === 0) return;
    await sleep(100);
  }
  signal('SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (Date.now() < killDeadline && isAlive(pid)) await sleep(50);
}

/** Live processes whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  return livePids().filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[2]) === pgid && isAlive(pid);
    } catch {
      return false;
    }
  });
}

/** Live processes whose working directory or command line lies under `dir`. */
export function processesUnder(dir: string): number[] {
  const root = path.resolve(dir);
  return livePids().filter((pid) => {
    if (pid === process.pid || !isAlive(pid)) return false;
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === root || cwd.startsWith(root + path.sep)) return true;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmdline.includes(root);
    } catch {
      return false;
    }
  });
}

function livePids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Thrown by a `waitFor` check when waiting longer cannot help. */
export class WaitAborted extends Error {}

/** Poll `check` until it returns a value (not undefined/false) or the deadline passes. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  { timeoutMs = 60_000, intervalMs = 200 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      if (error instanceof WaitAborted) throw error;
      lastError = error;
    }
    await sleep(intervalMs);
  }
  const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
}
