import { loadStackConfig } from '../config/stack.config';
import { UsageError, printHelp, runCli } from './cli.support';
import { dlq } from './commands/dlq.command';
import { lag, lagUsage } from './commands/lag.command';
import { order, orderUsage } from './commands/order.command';
import { replay, replayUsage } from './commands/replay.command';
import { tail, tailUsage } from './commands/tail.command';
import { topics, topicsUsage } from './commands/topics.command';

/**
 * `npm run orderflow -- <command>`: the operator's view of a running stack.
 * Endpoints come from the stack's config (the same as `stack exec` gives a
 * service). Exit codes: 0 done, 1 failed or nothing found, 2 usage.
 */
const usage = `usage: npm run orderflow -- <command> [--help]
  lag                 consumer lag per group, topic and partition
  topics              topics: partitions, offsets, configs
  tail TOPIC          decoded events as they arrive (--key, --from-beginning)
  order ORDER_ID      one order's whole story across topics and services
  dlq list|redrive    dead letters, and putting them back on their topic
  replay …            rebuild the orders read model from orders.events`;

const usages: Record<string, string> = {
  lag: lagUsage,
  topics: topicsUsage,
  tail: tailUsage,
  order: orderUsage,
  replay: replayUsage,
};

runCli('orderflow', async ([command, ...rest]) => {
  const config = loadStackConfig();
  try {
    switch (command) {
      case 'lag':
        return await lag(rest, config);
      case 'topics':
        return await topics(rest, config);
      case 'tail':
        return await tail(rest, config);
      case 'order':
        return await order(rest, config);
      case 'dlq':
        return await dlq(rest, config, 'npm run orderflow -- dlq');
      case 'replay':
        return replay(rest, config);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        return printHelp(usage);
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`orderflow: ${error.message}\n${usages[command ?? ''] ?? usage}\n`);
    return 2;
  }
});
