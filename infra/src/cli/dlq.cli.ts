import { loadStackConfig } from '../config/stack.config';
import { runCli } from './cli.support';
import { dlq } from './commands/dlq.command';

/** `npm run dlq -- …`, the same as `npm run orderflow -- dlq …` (kept: scripts outside the repo call it). */
runCli('dlq', (argv) => dlq(argv, loadStackConfig()));
