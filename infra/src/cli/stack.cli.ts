import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { serviceEnvironment } from '../components/service.component';
import { type ServiceName, loadStackConfig, rememberShape, serviceNames } from '../config/stack.config';
import { ProcessRegistry } from '../process/process.registry';
import { provision, stackDown, stackStatus, stackUp } from '../stack';

const usage = `usage: stack <command>
  up [--scale SERVICE=N,…] [--brokers 1|3] [--with observability]
                  start Postgres, Kafka, Connect + Debezium, SMTP, the services and the console
                  (--scale payments=3,email=2: instances per service, or ORDERFLOW_SCALE_<SERVICE>=N;
                   --brokers 3: a three-node Kafka cluster, or ORDERFLOW_KAFKA_BROKERS=3;
                   --with observability: Prometheus with the alert rules too, or ORDERFLOW_OBSERVABILITY=1)
  down            stop every process 'up' started
  provision       create databases, roles, topics and connectors on running endpoints (compose's one-shot job)
  status [--json] each component, its state and its endpoint
  exec SERVICE CMD…  run a command with a service's environment (DATABASE_URL, KAFKA_BROKERS, …), e.g. replay
  logs NAME       print a component's log (${['postgres', 'kafka', 'connect', 'smtp', ...serviceNames, 'console', 'prometheus'].join(', ')})`;

/** `--scale payments=3,email=2` → ORDERFLOW_SCALE_PAYMENTS=3, ORDERFLOW_SCALE_EMAIL=2 (validated with the rest of the config). */
function applyScale(args: string[]): void {
  const i = args.indexOf('--scale');
  if (i < 0) return;
  for (const part of (args[i + 1] ?? '').split(',')) {
    const [service, count] = part.split('=');
    if (!serviceNames.includes(service as ServiceName) || !count) {
      throw new Error(`--scale takes SERVICE=N[,SERVICE=N…] with SERVICE one of ${serviceNames.join(', ')}`);
    }
    process.env[`ORDERFLOW_SCALE_${service!.toUpperCase()}`] = count;
  }
}

/** What `--with` can add to the stack. */
const extras = ['observability'] as const;

/** `--with observability` → ORDERFLOW_OBSERVABILITY=1 (validated with the rest of the config). */
function applyWith(args: string[]): void {
  const i = args.indexOf('--with');
  if (i < 0) return;
  for (const extra of (args[i + 1] ?? '').split(',')) {
    if (!extras.includes(extra as (typeof extras)[number])) {
      throw new Error(`--with takes ${extras.join(', ')}`);
    }
    process.env.ORDERFLOW_OBSERVABILITY = '1';
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'up') {
    applyScale(rest);
    applyWith(rest);
    const brokers = rest.indexOf('--brokers');
    if (brokers >= 0) process.env.ORDERFLOW_KAFKA_BROKERS = rest[brokers + 1] ?? '';
  }
  const config = loadStackConfig();
  if (command === 'up') rememberShape(config);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  switch (command) {
    case 'up': {
      const started = Date.now();
      await stackUp(config, log);
      log(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      printStatus(await stackStatus(config));
      return 0;
    }
    case 'provision':
      await provision(config, async (what, step) => {
        await step();
        log(`${what}: done`);
      });
      return 0;
    case 'down':
      await stackDown(config, log);
      return 0;
    case 'exec': {
      const [service, cmd, ...args] = rest;
      if (!serviceNames.includes(service as ServiceName) || !cmd) {
        log(usage);
        return 2;
      }
      const result = spawnSync(cmd, args, {
        stdio: 'inherit',
        env: { ...process.env, ...serviceEnvironment(config, service as ServiceName) },
      });
      return result.status ?? 1;
    }
    case 'status': {
      const status = await stackStatus(config);
      if (rest.includes('--json')) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      else printStatus(status);
      return status.healthy ? 0 : 1;
    }
    case 'logs': {
      const name = rest[0];
      const record = name ? new ProcessRegistry(config.dataDir).recorded(name) : undefined;
      const file = record?.log ?? (name ? new ProcessRegistry(config.dataDir).logFile(name) : undefined);
      if (!file || !existsSync(file)) {
        log(`no log for '${name ?? ''}'\n${usage}`);
        return 2;
      }
      process.stdout.write(readFileSync(file));
      return 0;
    }
    default:
      log(usage);
      return 2;
  }
}

function printStatus(status: Awaited<ReturnType<typeof stackStatus>>): void {
  for (const [name, c] of Object.entries(status.components)) {
    const extra =
      name === 'connect' ? `  ${JSON.stringify(c.connectors)}` : name === 'smtp' ? `  ui ${String(c.ui)}` : '';
    const instances = (c.instances as { name: string; state: string; endpoint: string }[] | undefined) ?? [];
    if (instances.length > 1) {
      for (const i of instances) process.stdout.write(`${i.name.padEnd(10)} ${i.state.padEnd(10)} ${i.endpoint}\n`);
    } else {
      process.stdout.write(`${name.padEnd(10)} ${c.state.padEnd(10)} ${c.endpoint}${extra}\n`);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`stack: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
