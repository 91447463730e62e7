import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { type ServiceName, type StackConfig } from '../../infra/src/config/stack.config';
import { startConnect } from '../../infra/src/components/connect.component';
import { type JvmArtifacts, ensureJvmArtifacts } from '../../infra/src/components/jvm.artifacts';
import { startKafka } from '../../infra/src/components/kafka.component';
import { startPostgres, stopPostgres } from '../../infra/src/components/postgres.component';
import { startService } from '../../infra/src/components/service.component';
import { startSmtp } from '../../infra/src/components/smtp.component';
import { restartServiceWith } from '../support/service.restart';
import { ProcessRegistry, isAlive, sleep, waitFor } from '../../infra/src/process/process.registry';
import { connectorDeclarations, connectorState } from '../../infra/src/provision/connectors.provision';

/**
 * How the fault suite breaks the native stack and mends it: SIGKILL to a
 * component's whole process group (a JVM, Postgres or a service with what it
 * started), Postgres stopped in immediate mode, connectors paused through
 * Connect's REST API — and each brought back the way `stack up` would.
 */
export class StackFaults {
  private readonly registry: ProcessRegistry;
  private jvm: JvmArtifacts | undefined;

  constructor(private readonly config: StackConfig) {
    this.registry = new ProcessRegistry(config.dataDir);
  }

  /** The stack CLI, as a user runs it (`npm run stack -- …`); throws if it fails. */
  async stack(args: string[]): Promise<void> {
    const result = spawnSync('bash', [path.join(this.config.repoRoot, 'infra', 'bin', 'stack'), ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env },
    });
    if (result.status !== 0) throw new Error(`stack ${args.join(' ')} exited with ${result.status}`);
  }

  async statusJson(): Promise<{
    components: Record<string, { state: string; instances?: { name: string; state: string }[] }>;
  }> {
    const result = spawnSync('bash', [path.join(this.config.repoRoot, 'infra', 'bin', 'stack'), 'status', '--json'], {
      encoding: 'utf8',
    });
    return JSON.parse(result.stdout) as Awaited<ReturnType<StackFaults['statusJson']>>;
  }

  kill(name: string): void {
    const record = this.registry.running(name);
    if (!record) throw new Error(`${name} is not running: nothing to kill`);
    try {
      process.kill(-record.pid, 'SIGKILL');
    } catch {
      process.kill(record.pid, 'SIGKILL');
    }
  }

  async waitDead(name: string): Promise<void> {
    const pid = this.registry.recorded(name)?.pid;
    if (pid !== undefined) await waitFor(`${name} gone`, async () => !isAlive(pid), { timeoutMs: 10_000 });
  }

  async restartService(name: ServiceName): Promise<void> {
    await startService(this.config, this.registry, name);
  }

  /** Stops the service gracefully and starts it again with `env` added to its environment. */
  async restartServiceWith(name: ServiceName, env: Record<string, string>): Promise<void> {
    await restartServiceWith(this.config, name, env);
  }

  async restartKafka(): Promise<void> {
    await startKafka(this.config, this.registry, this.jvmArtifacts());
  }

  async restartConnect(): Promise<void> {
    await startConnect(this.config, this.registry, this.jvmArtifacts());
    await this.connectorsAre('RUNNING');
  }

  async restartSmtp(): Promise<void> {
    await startSmtp(this.config, this.registry);
  }

  async stopPostgresImmediately(): Promise<void> {
    await stopPostgres(this.config, this.registry, 'immediate');
  }

  async startPostgres(): Promise<void> {
    await startPostgres(this.config, this.registry);
  }

  async pauseConnectors(): Promise<void> {
    for (const { name } of connectorDeclarations(this.config.repoRoot)) await this.connectorAction(name, 'pause');
    await this.connectorsAre('PAUSED');
  }

  async resumeConnectors(): Promise<void> {
    for (const { name } of connectorDeclarations(this.config.repoRoot)) await this.connectorAction(name, 'resume');
    await this.connectorsAre('RUNNING');
  }

  private async connectorAction(name: string, action: 'pause' | 'resume'): Promise<void> {
    const response = await fetch(`${this.config.connect.url}/connectors/${name}/${action}`, { method: 'PUT' });
    if (!response.ok) throw new Error(`${action} ${name}: Connect answered ${response.status}`);
  }

  private async connectorsAre(state: 'RUNNING' | 'PAUSED'): Promise<void> {
    const names = connectorDeclarations(this.config.repoRoot).map((c) => c.name);
    await waitFor(
      `connectors ${state}`,
      async () => {
        const states = await Promise.all(
          names.map((n) => connectorState(this.config.connect.url, n).catch(() => ({ state: 'UNKNOWN' }))),
        );
        return states.every((s) => s.state === state);
      },
      { timeoutMs: 90_000, intervalMs: 300 },
    );
  }

  private jvmArtifacts(): JvmArtifacts {
    this.jvm ??= ensureJvmArtifacts(this.config, () => undefined);
    return this.jvm;
  }
}

export { sleep };
