import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { serviceEnvironment } from '../../components/service.component';
import type { StackConfig } from '../../config/stack.config';

export const replayUsage = `usage: npm run orderflow -- replay (--from-beginning | --from-offset N | --from-timestamp ISO | --order ID)
  Rebuilds the orders read model from orders.events (the same as npm run replay):
  --from-beginning  a new table from every event, caught up and swapped in
  --from-offset N / --from-timestamp ISO   folds events from there onto the live rows
  --order ID        prints one order's state folded from the topic`;

/** The orders service's replay command, run with the orders service's environment (as `stack exec orders`). */
export function replay(argv: string[], config: StackConfig): number {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${replayUsage}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  const script = path.join(config.repoRoot, 'services', 'orders', 'dist', 'projections', 'replay.command.js');
  const result = spawnSync(process.execPath, [script, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, ...serviceEnvironment(config, 'orders') },
  });
  return result.status ?? 1;
}
