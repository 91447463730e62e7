import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StackConfig } from '../config/stack.config';
import { type ProcessRegistry, WaitAborted, waitFor } from '../process/process.registry';

/**
 * The live console (infra/src/console): a small web page with the stack's
 * health, topics, lag, last events, dead letters and an order's timeline.
 * Like the CLI it runs from its TypeScript sources through tsx: infra has no
 * build step.
 */
export async function startConsole(config: StackConfig, registry: ProcessRegistry): Promise<void> {
  if (registry.running('console')) return;
  // Every process of the stack works in the data folder (see service.component.ts),
  // so tsx is named by its file URL: it cannot be resolved from there.
  const cwd = path.join(config.dataDir, 'console');
  mkdirSync(cwd, { recursive: true });
  const tsx = pathToFileURL(require.resolve('tsx', { paths: [config.repoRoot] })).href;
  registry.spawnDetached(
    'console',
    process.execPath,
    [
      '--disable-warning=TimeoutNegativeWarning',
      '--import',
      tsx,
      path.join(config.repoRoot, 'infra', 'src', 'console', 'console.main.ts'),
    ],
    { cwd },
  );
  await waitFor(
    'console /api/health',
    async () => {
      if (!registry.running('console')) throw new WaitAborted('the console exited: see `stack logs console`');
      return consoleReady(config);
    },
    { timeoutMs: 30_000 },
  );
}

export async function consoleReady(config: StackConfig): Promise<boolean> {
  const response = await fetch(`${config.console.url}/api/health`, { signal: AbortSignal.timeout(2_000) });
  return response.ok;
}
