import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type ServiceName, type StackConfig } from '../config/stack.config';
import { type ProcessRegistry, waitFor } from '../process/process.registry';

/**
 * The environment a service reads at start (each service validates it in its
 * own config). Shared by the native stack, the test harness and compose.
 */
export function serviceEnvironment(config: StackConfig, name: ServiceName): Record<string, string> {
  return {
    PORT: String(config.services[name].port),
    HOST: config.host,
    DATABASE_URL: config.postgres.databases[name].url,
    KAFKA_BROKERS: config.kafka.bootstrap,
    SMTP_URL: config.smtp.url,
  };
}

export async function startService(config: StackConfig, registry: ProcessRegistry, name: ServiceName): Promise<void> {
  if (registry.running(name)) return;
  const main = path.join(config.repoRoot, 'services', name, 'dist', 'main.js');
  // Every process of the stack works in the data folder, so `stack down` (and
  // its test) can tell the stack's processes from anything else on the machine.
  const cwd = path.join(config.dataDir, 'services', name);
  mkdirSync(cwd, { recursive: true });
  registry.spawnDetached(name, process.execPath, ['--enable-source-maps', main], {
    cwd,
    env: { ...process.env, NODE_ENV: 'production', ...serviceEnvironment(config, name) },
  });
  await waitFor(`${name} /health`, () => serviceReady(config, name), { timeoutMs: 60_000 });
}

export async function serviceReady(config: StackConfig, name: ServiceName): Promise<boolean> {
  const response = await fetch(`${config.services[name].url}/health`, { signal: AbortSignal.timeout(2_000) });
  return response.ok;
}
