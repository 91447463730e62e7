import { runStack, stackStatus } from './stack.cli';

/**
 * Where the tests' stack comes from, in this order:
 *   1. endpoints given in the environment (ORDERFLOW_STACK=external, or any
 *      ORDERFLOW_{POSTGRES,KAFKA,CONNECT,SMTP}_HOST): used as they are;
 *   2. a reachable Docker engine: the same topology in containers (testcontainers);
 *   3. otherwise the native stack (`stack up`), reused if it is already healthy.
 * Every test reads its endpoints through `loadStackConfig()` from the
 * ORDERFLOW_* variables this sets, whichever path was taken. A stack that
 * cannot start fails the run; nothing is skipped.
 */
export interface HarnessState {
  stop?: () => Promise<void>;
}

declare global {
  var __ORDERFLOW_HARNESS__: HarnessState | undefined;
}

const givenHosts = ['ORDERFLOW_POSTGRES_HOST', 'ORDERFLOW_KAFKA_HOST', 'ORDERFLOW_CONNECT_HOST', 'ORDERFLOW_SMTP_HOST'];

export default async function globalSetup(): Promise<void> {
  if (globalThis.__ORDERFLOW_HARNESS__) return; // a second project in the same run
  const state: HarnessState = {};
  globalThis.__ORDERFLOW_HARNESS__ = state;

  if (process.env.ORDERFLOW_STACK === 'external' || givenHosts.some((k) => process.env[k])) {
    log('using the endpoints given in the environment');
    return;
  }
  const { dockerAvailable, startContainerStack } = await import('./testcontainers.stack');
  if (process.env.ORDERFLOW_STACK !== 'native' && (await dockerAvailable())) {
    log('Docker engine found: starting the stack in containers');
    const containers = await startContainerStack();
    Object.assign(process.env, containers.env);
    state.stop = containers.stop;
    return;
  }
  if (stackStatus().healthy) {
    log('native stack already running: reusing it');
    return;
  }
  log('starting the native stack');
  // With Prometheus: test/e2e/lag-alert.e2e.spec.ts reads the alert rules' verdict from it.
  const { code } = runStack(['up', '--with', 'observability']);
  if (code !== 0 || !stackStatus().healthy) {
    throw new Error('the native stack did not come up healthy; see `npm run stack -- status` and .data/logs/');
  }
  state.stop = async () => {
    runStack(['down']);
  };
}

const log = (line: string) => process.stderr.write(`\n[harness] ${line}\n`);
