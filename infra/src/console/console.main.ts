import path from 'node:path';
import { messageOf } from '../cli/cli.support';
import { loadStackConfig } from '../config/stack.config';
import { createConsoleServer } from './console.server';
import { liveSources } from './console.sources';

/**
 * The live console: `node --import tsx infra/src/console/console.main.ts`,
 * started by `stack up` (console.component.ts) on ORDERFLOW_CONSOLE_PORT.
 * It reads the stack's config as the CLI does, so it sees the same stack.
 */
const config = loadStackConfig();
const sources = liveSources(config);
const server = createConsoleServer(sources, path.join(__dirname, 'public'));
const log = (line: string) => process.stderr.write(`${new Date().toISOString()} console: ${line}\n`);

// A console that shows a broken stack must not break with it: what a client
// library lets slip is logged, and the server goes on.
process.on('unhandledRejection', (reason) => log(`unhandled rejection: ${messageOf(reason)}`));

server.on('error', (error) => {
  log(`cannot listen on ${config.host}:${config.console.port}: ${error.message}`);
  process.exit(1);
});
server.listen(config.console.port, config.host, () => {
  sources.start();
  log(`serving ${config.console.url}; last events through the throwaway group ${sources.eventsGroup}`);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  // A stuck broker must not keep the process: `stack down` waits 15 s before SIGKILL, we give up before.
  setTimeout(() => process.exit(0), 10_000);
  server.close();
  server.closeAllConnections();
  await sources.stop().catch((error: unknown) => log(`stopping: ${messageOf(error)}`));
  log('stopped');
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
