import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/**
 * Runs the project's own `stack` command, as a user would. The harness drives
 * the stack through the CLI rather than importing it: one code path, and jest
 * need not load the stack's ESM-only dependencies.
 */
export function runStack(args: string[], env: NodeJS.ProcessEnv = process.env): { code: number; stdout: string } {
  const result = spawnSync('bash', [path.join(repoRoot, 'infra', 'bin', 'stack'), ...args], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 10 * 60_000,
  });
  if (result.error) throw result.error;
  return { code: result.status ?? 1, stdout: result.stdout };
}

export interface StackStatusJson {
  healthy: boolean;
  components: Record<string, { state: string; endpoint: string; pid?: number; [detail: string]: unknown }>;
}

export function stackStatus(env?: NodeJS.ProcessEnv): StackStatusJson {
  const { stdout } = runStack(['status', '--json'], env);
  return JSON.parse(stdout) as StackStatusJson;
}
