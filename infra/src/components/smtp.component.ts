import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { StackConfig } from '../config/stack.config';
import { type ProcessRegistry, waitFor } from '../process/process.registry';

/**
 * MailDev: a real SMTP server that keeps what it receives, with a web UI and a
 * REST API (`GET /api/email`) that the end-to-end tests read.
 */
export const MAILDEV_MAX_EMAILS = 10_000;

export async function startSmtp(config: StackConfig, registry: ProcessRegistry): Promise<void> {
  if (registry.running('smtp')) return;
  const dir = path.join(config.dataDir, 'maildev');
  mkdirSync(dir, { recursive: true });
  // maildev exports no subpaths; npm workspaces hoist it to the root node_modules.
  const bin = path.join(config.repoRoot, 'node_modules', 'maildev', 'dist', 'bin', 'maildev.js');
  registry.spawnDetached(
    'smtp',
    process.execPath,
    [
      bin,
      '--smtp',
      String(config.smtp.port),
      '--ip',
      config.host,
      '--web',
      String(config.smtp.uiPort),
      '--web-ip',
      config.host,
      '--mail-directory',
      dir,
      // MailDev slows down as its store grows (tens of thousands after a load
      // run); it keeps the newest, which is all a test or a person reads.
      '--max-emails',
      String(MAILDEV_MAX_EMAILS),
    ],
    { cwd: dir },
  );
  await waitFor('MailDev', () => smtpReady(config), { timeoutMs: 30_000 });
}

export async function smtpReady(config: StackConfig): Promise<boolean> {
  const response = await fetch(`${config.smtp.uiUrl}/api/healthz`, { signal: AbortSignal.timeout(2_000) });
  return response.ok;
}
