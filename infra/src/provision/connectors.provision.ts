import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { StackConfig } from '../config/stack.config';
import { WaitAborted, waitFor } from '../process/process.registry';

/**
 * Debezium connectors are declared as JSON in infra/connectors (the shape of
 * Connect's `POST /connectors` body) and registered idempotently with
 * `PUT /connectors/<name>/config`. Hosts and secrets in them are
 * `${env:...}` references resolved by the Connect worker, so compose and the
 * native stack register the very same files.
 */
const ConnectorFile = z.object({ name: z.string().min(1), config: z.record(z.string(), z.string()) });
export type ConnectorDeclaration = z.infer<typeof ConnectorFile>;

export function connectorDeclarations(repoRoot: string): ConnectorDeclaration[] {
  const dir = path.join(repoRoot, 'infra', 'connectors');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ConnectorFile.parse(JSON.parse(readFileSync(path.join(dir, f), 'utf8'))));
}

/** What the Connect worker must have in its environment for the connector files' ${env:...}. */
export function connectorEnvironment(config: StackConfig): Record<string, string> {
  return {
    ORDERFLOW_CDC_PG_HOST: config.postgres.cdcHost,
    ORDERFLOW_CDC_PG_PORT: String(config.postgres.cdcPort),
    ORDERFLOW_DEBEZIUM_PASSWORD: config.postgres.debeziumPassword,
  };
}

const ConnectorStatus = z.object({
  connector: z.object({ state: z.string(), trace: z.string().optional() }),
  tasks: z.array(z.object({ id: z.number(), state: z.string(), trace: z.string().optional() })),
});
export type ConnectorState = 'RUNNING' | 'PAUSED' | 'FAILED' | 'UNASSIGNED' | 'RESTARTING' | 'STOPPED' | 'MISSING';

export async function connectorState(
  connectUrl: string,
  name: string,
): Promise<{ state: ConnectorState; trace?: string }> {
  const response = await fetch(`${connectUrl}/connectors/${encodeURIComponent(name)}/status`, {
    signal: AbortSignal.timeout(3_000),
  });
  if (response.status === 404) return { state: 'MISSING' };
  if (!response.ok) throw new Error(`Connect answered ${response.status} for ${name}`);
  const status = ConnectorStatus.parse(await response.json());
  const failed = [status.connector, ...status.tasks].find((s) => s.state === 'FAILED');
  if (failed) return { state: 'FAILED', trace: failed.trace };
  // A connector is RUNNING for us only when it has tasks and all of them run.
  if (
    status.connector.state === 'RUNNING' &&
    (status.tasks.length === 0 || status.tasks.some((t) => t.state !== 'RUNNING'))
  ) {
    return { state: 'UNASSIGNED' };
  }
  return { state: status.connector.state as ConnectorState };
}

export async function registerConnectors(connectUrl: string, declarations: ConnectorDeclaration[]): Promise<void> {
  for (const { name, config } of declarations) {
    const response = await fetch(`${connectUrl}/connectors/${encodeURIComponent(name)}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(config),
    });
    if (!response.ok)
      throw new Error(`registering connector ${name} failed: ${response.status} ${await response.text()}`);
  }
  for (const { name } of declarations) {
    await waitFor(
      `connector ${name} to be RUNNING`,
      async () => {
        const { state, trace } = await connectorState(connectUrl, name);
        if (state === 'FAILED') throw new FatalConnectorError(name, trace);
        return state === 'RUNNING';
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  }
}

class FatalConnectorError extends WaitAborted {
  constructor(name: string, trace?: string) {
    super(`connector ${name} FAILED: ${trace?.split('\n').slice(0, 3).join(' ') ?? 'no trace'}`);
  }
}
