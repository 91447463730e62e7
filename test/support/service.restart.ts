import { startService } from '../../infra/src/components/service.component';
import type { ServiceName, StackConfig } from '../../infra/src/config/stack.config';
import { ProcessRegistry } from '../../infra/src/process/process.registry';

/** Stops a native stack's service gracefully and starts it again with `env` added to its environment. */
export async function restartServiceWith(config: StackConfig, name: ServiceName, env: Record<string, string>) {
  const registry = new ProcessRegistry(config.dataDir);
  await registry.stop(name);
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    await startService(config, registry, name);
  } finally {
    for (const key of Object.keys(env)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}
