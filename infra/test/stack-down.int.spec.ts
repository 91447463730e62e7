import { rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { loadStackConfig } from '../src/config/stack.config';
import { isAlive, processesUnder } from '../src/process/process.registry';
import { repoRoot, runStack, stackStatus } from '../../test/harness/stack.cli';

/**
 * `stack down` stops every process `stack up` started and leaves nothing
 * behind. Checked on a second, throw-away stack (own data folder, own ports),
 * so the stack the other tests use is not disturbed.
 */
const dataDir = path.join(repoRoot, '.data', 'stack-down-test');
const env: NodeJS.ProcessEnv = {
  ...process.env,
  ORDERFLOW_DATA_DIR: dataDir,
  ORDERFLOW_KAFKA_PORT: '29092',
  ORDERFLOW_KAFKA_CONTROLLER_PORT: '29093',
  ORDERFLOW_CONNECT_PORT: '28083',
  ORDERFLOW_POSTGRES_PORT: '25432',
  ORDERFLOW_SMTP_PORT: '21025',
  ORDERFLOW_MAIL_UI_PORT: '21080',
  ORDERFLOW_ORDERS_PORT: '23001',
  ORDERFLOW_PAYMENTS_PORT: '23002',
  ORDERFLOW_EMAIL_PORT: '23003',
};
const config = loadStackConfig(env);
const ports = [
  config.kafka.port,
  config.kafka.controllerPort,
  config.connect.port,
  config.postgres.port,
  config.smtp.port,
  config.smtp.uiPort,
  ...Object.values(config.services).map((s) => s.port),
];

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: config.host, port });
    socket.once('connect', () => resolve(true) === undefined && socket.destroy());
    socket.once('error', () => resolve(false));
  });

describe('stack down', () => {
  beforeAll(() => rmSync(dataDir, { recursive: true, force: true }));
  afterAll(() => {
    runStack(['down'], env); // in case an assertion failed half-way
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('comes up with every component running, then stops every process it started: no pid alive, no process in its folder, no port open', async () => {
    expect(runStack(['up'], env).code).toBe(0);
    const up = stackStatus(env);
    expect(up.healthy).toBe(true);
    expect(Object.keys(up.components).sort()).toEqual([
      'connect',
      'email',
      'kafka',
      'orders',
      'payments',
      'postgres',
      'smtp',
    ]);
    expect(Object.values(up.components).map((c) => c.state)).toEqual(Object.keys(up.components).map(() => 'running'));
    expect(up.components.connect?.connectors).toEqual({
      'email-outbox': 'RUNNING',
      'orders-outbox': 'RUNNING',
      'payments-outbox': 'RUNNING',
    });
    expect(up.components.kafka?.endpoint).toBe(config.kafka.bootstrap);
    expect(up.components.postgres?.databases).toEqual({
      orders: config.postgres.databases.orders.url,
      payments: config.postgres.databases.payments.url,
      email: config.postgres.databases.email.url,
    });
    expect(up.components.smtp?.ui).toBe(config.smtp.uiUrl);
    const pids = Object.values(up.components).map((c) => c.pid);
    expect(pids.every((pid) => typeof pid === 'number')).toBe(true);
    expect(processesUnder(dataDir).length).toBeGreaterThan(0);

    expect(runStack(['down'], env).code).toBe(0);

    expect(pids.filter((pid) => isAlive(pid as number))).toEqual([]);
    expect(processesUnder(dataDir)).toEqual([]);
    const open = [];
    for (const port of ports) if (await listening(port)) open.push(port);
    expect(open).toEqual([]);
    expect(Object.values(stackStatus(env).components).map((c) => c.state)).toEqual(
      Object.keys(up.components).map(() => 'stopped'),
    );
  }, 240_000);
});
