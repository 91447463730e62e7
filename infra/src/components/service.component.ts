import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type ServiceInstance, type ServiceName, type StackConfig, parseInstanceName } from '../config/stack.config';
import { type ProcessRegistry, waitFor } from '../process/process.registry';

/**
 * The environment a service reads at start (each service validates it in its
 * own config). Shared by the native stack, the test harness and compose.
 * Instances of one service differ only in their port.
 */
export function serviceEnvironment(
  config: StackConfig,
  name: ServiceName,
  instance: ServiceInstance = config.services[name].instances[0]!,
): Record<string, string> {
  return {
    PORT: String(instance.port),
    HOST: config.host,
    DATABASE_URL: config.postgres.databases[name].url,
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    SMTP_URL: config.smtp.url,
    ...(config.httpAdapter ? { HTTP_ADAPTER: config.httpAdapter } : {}),
  };
}

/**
 * Brings the service to its configured number of instances: starts those not
 * running (in parallel, each waited on until ready) and stops, gracefully,
 * recorded instances beyond the count (`stack up --scale payments=1` after 3).
 */
export async function startService(config: StackConfig, registry: ProcessRegistry, name: ServiceName): Promise<void> {
  const wanted = config.services[name].instances;
  for (const recorded of recordedInstances(registry, name)) {
    if (recorded.index > wanted.length) await registry.stop(recorded.name);
  }
  await Promise.all(wanted.map((instance) => startInstance(config, registry, instance)));
}

export async function startInstance(
  config: StackConfig,
  registry: ProcessRegistry,
  instance: ServiceInstance,
): Promise<void> {
  if (registry.running(instance.name)) return;
  const main = path.join(config.repoRoot, 'services', instance.service, 'dist', 'main.js');
  // Every process of the stack works in the data folder, so `stack down` (and
  // its test) can tell the stack's processes from anything else on the machine.
  const cwd = path.join(config.dataDir, 'services', instance.name);
  mkdirSync(cwd, { recursive: true });
  registry.spawnDetached(
    instance.name,
    process.execPath,
    ['--enable-source-maps', '--disable-warning=TimeoutNegativeWarning', main],
    {
      cwd,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        ...serviceEnvironment(config, instance.service, instance),
      },
    },
  );
  await waitFor(`${instance.name} /health`, () => instanceReady(instance.url), { timeoutMs: 60_000 });
}

/** Every instance of the service with a record (running or not), by index. */
export function recordedInstances(registry: ProcessRegistry, name: ServiceName): { name: string; index: number }[] {
  return registry
    .names()
    .map((n) => ({ name: n, parsed: parseInstanceName(n) }))
    .filter(({ parsed }) => parsed?.service === name)
    .map(({ name: n, parsed }) => ({ name: n, index: parsed!.index }))
    .sort((a, b) => a.index - b.index);
}

/** The instances of a service the stack has: those the config asks for and those recorded (whatever scale started them). */
export function instanceIndexes(config: StackConfig, registry: ProcessRegistry, name: ServiceName): number[] {
  const indexes = new Set([
    ...config.services[name].instances.map((i) => i.index),
    ...recordedInstances(registry, name).map((i) => i.index),
  ]);
  return [...indexes].sort((a, b) => a - b);
}

/** Readiness: the database answers, every consumer has joined its group and none is blocked. */
export async function instanceReady(url: string): Promise<boolean> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
  return response.ok;
}

export const serviceReady = (config: StackConfig, name: ServiceName) => instanceReady(config.services[name].url);
