import { parseArgs } from 'node:util';
import { Topics } from '@orderflow/events';
import {
  DeadLetterRedriver,
  type DeadLetterRecord,
  type DeadLetterSummary,
  type RedriveOutcome,
  type RedriveRecord,
  createKafka,
  describeDeadLetter,
  listRedrives,
  positionLabel,
  readDeadLetters,
  redriveLookup,
} from '@orderflow/messaging';
import { Pool } from 'pg';
import { type ServiceName, type StackConfig, serviceNames } from '../../config/stack.config';
import {
  UsageError,
  cut,
  helpOption as help,
  messageOf as message,
  printHelp,
  textTable,
  usageOnError,
} from '../cli.support';

/**
 * `npm run orderflow -- dlq list | redrive` (also `npm run dlq -- …`): the dead letters of the services, and
 * putting them back on their source topic once the cause is fixed. Endpoints
 * come from the stack's config, the same a service gets from `stack exec`.
 * Exit codes: 0 done, 1 refused or failed, 2 usage.
 */
const usageOf = (cmd: string) => `usage: ${cmd} <command>
  list [--service S] [--json]                          every dead letter, and whether it was redriven
  redrive --service S (--id EVENT_ID | --offset N | --all)
                                                       put dead letters back on their source topic, each at most once
services: ${serviceNames.join(', ')}; \`<command> --help\` for more`;

const listUsageOf = (cmd: string) => `usage: ${cmd} list [--service S] [--json]
  Reads <service>.dlq from its beginning to its current end (every service's
  without --service) and prints each dead letter: its offset, event id and type,
  where it was consumed from, key, code, reason, attempts, when it failed, and
  whether and when it was redriven. --json prints the same as a JSON array.`;

const redriveUsageOf = (cmd: string) => `usage: ${cmd} redrive --service S (--id EVENT_ID | --offset N | --all)
  Puts dead letters of <service>.dlq back on the topic each was consumed from,
  with its original key, value and headers (plus dlq.redriven.from), and
  records each in the service's database so it is never redriven twice.
  --id EVENT_ID  the event's dead letters not redriven yet
  --offset N     the dead letter at offset N of <service>.dlq
  --all          every dead letter not redriven yet
  Fix the cause first: a message that fails again is dead-lettered again
  (a new dead letter, which can be redriven in its turn).`;

export const deadLetterTopics: Record<ServiceName, string> = {
  orders: Topics.ordersDeadLetter,
  payments: Topics.paymentsDeadLetter,
  email: Topics.emailDeadLetter,
};

interface Listed {
  service: ServiceName;
  letter: DeadLetterRecord;
  summary: DeadLetterSummary;
  redrive: RedriveRecord | undefined;
}

/** `invokedAs`: how the user called it, for the usage text (`npm run dlq --` or `npm run orderflow -- dlq`). */
export async function dlq(argv: string[], config: StackConfig, invokedAs = 'npm run dlq --'): Promise<number> {
  const [command, ...rest] = argv;
  const usage = usageOf(invokedAs);
  const listUsage = listUsageOf(invokedAs);
  const redriveUsage = redriveUsageOf(invokedAs);
  try {
    switch (command) {
      case 'list':
        return await list(config, rest, listUsage);
      case 'redrive':
        return await redrive(config, rest, redriveUsage);
      case 'help':
      case '--help':
      case '-h':
        return printHelp(usage);
      default:
        throw new UsageError(command ? `unknown command '${command}'` : 'no command');
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const text = command === 'list' ? listUsage : command === 'redrive' ? redriveUsage : usage;
    process.stderr.write(`dlq: ${error.message}\n${text}\n`);
    return 2;
  }
}

async function list(config: StackConfig, argv: string[], listUsage: string): Promise<number> {
  const { values } = usageOnError(() =>
    parseArgs({ args: argv, strict: true, options: { service: { type: 'string' }, json: { type: 'boolean' }, help } }),
  );
  if (values.help) return printHelp(listUsage);
  const services = values.service === undefined ? [...serviceNames] : [serviceOf(values.service)];
  const listed: Listed[] = [];
  for (const service of services) listed.push(...(await deadLettersOf(config, service)));
  if (values.json) process.stdout.write(`${JSON.stringify(listed.map(asJson), null, 2)}\n`);
  else process.stdout.write(table(listed));
  return 0;
}

async function redrive(config: StackConfig, argv: string[], redriveUsage: string): Promise<number> {
  const { values } = usageOnError(() =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        service: { type: 'string' },
        id: { type: 'string' },
        offset: { type: 'string' },
        all: { type: 'boolean' },
        help,
      },
    }),
  );
  if (values.help) return printHelp(redriveUsage);
  if (values.service === undefined) throw new UsageError('redrive needs --service');
  const service = serviceOf(values.service);
  const selectors = [values.id !== undefined, values.offset !== undefined, values.all === true].filter(Boolean);
  if (selectors.length !== 1) throw new UsageError('give exactly one of --id, --offset, --all');
  if (values.offset !== undefined && !/^\d+$/.test(values.offset))
    throw new UsageError('--offset takes a whole number');

  const topic = deadLetterTopics[service];
  const listed = await deadLettersOf(config, service);
  const chosen = listed.filter(
    (l) =>
      values.all === true ||
      (values.id !== undefined && l.summary.eventId === values.id) ||
      (values.offset !== undefined && l.letter.offset === values.offset),
  );
  const pending = chosen.filter((l) => l.redrive === undefined);
  if (pending.length > 0) return redriveEach(config, service, pending, { strict: values.all !== true });

  if (values.all) {
    const why = listed.length === 0 ? `${topic} is empty` : `every dead letter on ${topic} was redriven already`;
    process.stdout.write(`nothing to redrive: ${why}\n`);
    return 0;
  }
  if (chosen.length === 0) {
    const what = values.id !== undefined ? `event ${values.id}` : `offset ${values.offset}`;
    process.stderr.write(`dlq: no dead letter of ${what} on ${topic}\n`);
  }
  for (const { redrive, ...l } of chosen) {
    if (redrive) process.stderr.write(`dlq: ${label(l)} already redriven: ${redriveText(redrive)}\n`);
  }
  return 1;
}

/**
 * One at a time, each in its own transaction (see DeadLetterRedriver). A
 * failure is reported and the rest go on. `strict`: the caller named these
 * dead letters, so one found redriven meanwhile (by someone else) is a refusal.
 */
async function redriveEach(
  config: StackConfig,
  service: ServiceName,
  pending: Listed[],
  { strict }: { strict: boolean },
): Promise<number> {
  const pool = new Pool({ connectionString: databaseUrl(config, service), max: 2 });
  const redriver = await DeadLetterRedriver.connect(createKafka('orderflow-dlq-redriver', [config.kafka.bootstrap]));
  let failed = 0;
  try {
    for (const l of pending) {
      let outcome: RedriveOutcome;
      try {
        outcome = await redriver.redrive(pool, l.letter);
      } catch (error) {
        failed += 1;
        process.stderr.write(`dlq: ${label(l)} not redriven, nothing recorded: ${message(error)}\n`);
        continue;
      }
      if (outcome.status === 'redriven') {
        process.stdout.write(`redriven ${label(l)} → ${redriveText(outcome.record)}\n`);
      } else {
        if (strict) failed += 1;
        process.stderr.write(`dlq: ${label(l)} already redriven: ${redriveText(outcome.record)}\n`);
      }
    }
  } finally {
    await redriver.disconnect();
    await pool.end();
  }
  return failed === 0 ? 0 : 1;
}

/** The dead letters of one service, each with its redrive if it had one. */
async function deadLettersOf(config: StackConfig, service: ServiceName): Promise<Listed[]> {
  const topic = deadLetterTopics[service];
  const letters = await readDeadLetters(createKafka('orderflow-dlq-reader', [config.kafka.bootstrap]), { topic });
  const pool = new Pool({ connectionString: databaseUrl(config, service), max: 1 });
  let redrives: RedriveRecord[];
  try {
    redrives = await listRedrives(pool, topic);
  } catch (error) {
    // 42P01: undefined_table, a database provisioned before the redrive migration.
    if ((error as { code?: unknown }).code !== '42P01') throw error;
    throw new Error(
      `the ${service} database has no dead_letter_redrives table: apply the migrations (npm run stack -- provision)`,
    );
  } finally {
    await pool.end();
  }
  const redriveOf = redriveLookup(redrives);
  return letters.map((letter) => ({
    service,
    letter,
    summary: describeDeadLetter(letter),
    redrive: redriveOf(letter),
  }));
}

const asJson = ({ service, summary, redrive }: Listed) => ({
  service,
  ...summary,
  redriven: redrive ? { at: redrive.redrivenAt, to: redrive.to } : null,
});

/** One line per dead letter, columns padded; the reason last and cut short (the JSON has all of it). */
function table(listed: Listed[]): string {
  if (listed.length === 0) return 'no dead letters\n';
  const header = [
    'SERVICE',
    'OFFSET',
    'EVENT ID',
    'TYPE',
    'SOURCE',
    'KEY',
    'CODE',
    'TRIES',
    'FAILED AT',
    'REDRIVEN',
    'REASON',
  ];
  const rows = listed.map(({ service, summary: s, redrive }) => [
    service,
    `${s.deadLetter.partition}/${s.deadLetter.offset}`,
    s.eventId ?? '-',
    s.eventType ?? '-',
    s.source ? positionLabel(s.source) : '-',
    s.key ?? '-',
    s.code ?? '-',
    s.attempts === null ? '-' : String(s.attempts),
    s.failedAt,
    redrive ? redrive.redrivenAt : s.redrivenFrom ? `no (bounced from ${s.redrivenFrom})` : 'no',
    cut(s.reason ?? '-', 80),
  ]);
  return textTable(header, rows);
}

const serviceOf = (name: string): ServiceName => {
  if (!serviceNames.includes(name as ServiceName)) throw new UsageError(`unknown service '${name}'`);
  return name as ServiceName;
};

/** The service's own DATABASE_URL, as `stack exec` gives it (serviceEnvironment). */
const databaseUrl = (config: StackConfig, service: ServiceName) => config.postgres.databases[service].url;

const label = ({ summary: s }: Pick<Listed, 'summary'>) =>
  `${positionLabel(s.deadLetter)} (event ${s.eventId ?? '?'}${s.eventType ? `, ${s.eventType}` : ''})`;

const redriveText = (r: RedriveRecord) =>
  `${r.redrivenAt} to ${r.to.topic}/${r.to.partition ?? '?'}/${r.to.offset ?? '?'}`;
