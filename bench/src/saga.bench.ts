import { performance } from 'node:perf_hooks';
import { Topics } from '@orderflow/events';
import {
  ConsumerLagMonitor,
  createKafka,
  kafkaClientLibrary,
  kafkaClientName,
  projectLagWatch,
} from '@orderflow/messaging';
import { HttpAdapter, loadStackConfig } from '../../infra/src/config/stack.config';
import { TopicTail } from '../../test/support/topic.tail';
import { waitUntil } from '../../test/support/wait-until';
import { resultsFile, writeLineChart } from './bench.chart';
import { type Ceilings, measureCeilings } from './ceilings.bench';
import { CpuSampler, formatUsage } from './cpu.sampler';
import { type BenchReport, percentile, percentileCell, round } from './bench.results';
import { PostgresProfiler, type PostgresProfile, formatPostgresProfile } from './postgres.profile';
import { formatGc, serviceGcSeconds } from './service.metrics';

/**
 * The saga end to end, open loop: orders are POSTed at a fixed arrival rate
 * whatever the answers' pace (so back-pressure cannot hide latency), for
 * BENCH_SECONDS (default 60) per rate, rates rising until the system no longer
 * keeps up. Per order: POST → OrderConfirmed on orders.events, and POST →
 * EmailSent(ORDER_CONFIRMED) on email.events (emitted after SMTP accepted the
 * email and its record committed). Totals stay under the payment limit, so
 * every order should confirm; one that has not within the drain window is lost.
 */
const config = loadStackConfig();
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const RATES = (process.env.BENCH_RATES ?? '10,15,20,30,40,50,75,100,150,200,300,400').split(',').map(Number);
/** The whole flow holds only while every confirmation email follows within this, at p99. */
const EMAIL_P99_MS = 2_000;
const DRAIN_MS = 30_000;
/** "Near zero": messages not yet consumed by the services' groups, all together, once the drain is over. */
const LAG_NEAR_ZERO = 10;
/** JVMs (broker, Connect) and V8 compile hot paths in their first minute: measure after that. */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 60);
const CEILING_SECONDS = 5;

export interface Step {
  rate: number;
  achieved: number;
  confirmed: number[];
  emailed: number[];
  /** Orders accepted (201). */
  posted: number;
  lost: number;
  errors: number;
  /** % of one core per component while the orders were posted. */
  cpu: Record<string, number>;
  /** Postgres' share by kind of process. */
  postgresCpu: Record<string, number>;
  postgres: PostgresProfile;
  /** Share of the step's wall time each service spent in GC. */
  gc: string;
  /** EmailSent arriving while the orders were posted (of any order: the email service may have a backlog). */
  emailsPerSecond: number;
  /** Messages the services' consumer groups had not consumed at the end of the drain window, all groups together. */
  lagAfterDrain: number;
}

/** Events on topics per confirmed order: placed, authorized, confirmed, and two EmailSent. */
const EVENTS_PER_ORDER = 5;

/**
 * The path to OrderConfirmed, without email + MailDev: from ~75 orders/s on they have a backlog and
 * run flat out whatever the rate, so their share says nothing per order (Postgres still carries theirs).
 */
const ORDER_PATH = ['postgres', 'orders', 'payments', 'kafka', 'connect'];

/** ms of CPU the order path spent per order achieved. */
export const orderPathCpuMs = (s: Step): number =>
  (ORDER_PATH.reduce((sum, name) => sum + (s.cpu[name] ?? 0), 0) * 10) / s.achieved;

/** The HTTP server the orders service runs on, as it says itself. */
export async function ordersHttpAdapter(): Promise<HttpAdapter> {
  const live = (await (await fetch(`${config.services.orders.url}/health/live`)).json()) as { httpAdapter?: unknown };
  const adapter = HttpAdapter.safeParse(live.httpAdapter);
  if (!adapter.success) throw new Error(`orders' /health/live names no HTTP adapter: ${JSON.stringify(live)}`);
  return adapter.data;
}

/** What a saga step watches the stack through: the two event topics, Postgres' counters and the services' groups. */
export interface SagaProbes {
  orders: TopicTail;
  emails: TopicTail;
  profiler: PostgresProfiler;
  lag: ConsumerLagMonitor;
}

export async function openSagaProbes(): Promise<SagaProbes> {
  const brokers = [config.kafka.bootstrap];
  return {
    profiler: await PostgresProfiler.connect(),
    orders: await TopicTail.start(brokers, Topics.ordersEvents),
    emails: await TopicTail.start(brokers, Topics.emailEvents),
    lag: new ConsumerLagMonitor(createKafka('bench-saga-lag', brokers, { logLevel: 'nothing' }), {
      ...projectLagWatch,
      intervalMs: 60_000,
    }),
  };
}

export async function closeSagaProbes({ orders, emails, lag, profiler }: SagaProbes): Promise<void> {
  await orders.stop();
  await emails.stop();
  await lag.stop();
  await profiler.close();
}

/**
 * The order path holds a step when nothing is lost, no POST failed, p99 to
 * confirmed < 1 s and ≥ 95 % of the offered rate was achieved; the whole flow
 * when, besides, every confirmation email followed at p99 < EMAIL_P99_MS and
 * the services' groups were back near zero lag by the end of the drain.
 */
export function judge(s: Step): { orderPath: boolean; wholeFlow: boolean } {
  const orderPath =
    s.lost === 0 && s.errors === 0 && percentile(s.confirmed, 99) < 1_000 && s.achieved >= s.rate * 0.95;
  const emailsOk =
    s.emailed.length === s.posted && percentile(s.emailed, 99) < EMAIL_P99_MS && s.lagAfterDrain <= LAG_NEAR_ZERO;
  return { orderPath, wholeFlow: orderPath && emailsOk };
}

/** One step: orders POSTed at `rate` for `seconds`, then the drain; the probes' tails are emptied afterwards. */
export async function step(
  rate: number,
  { orders, emails, profiler, lag }: SagaProbes,
  sampler: CpuSampler,
  seconds = SECONDS,
): Promise<Step> {
  const pgFrom = await profiler.snapshot();
  const gcFrom = await serviceGcSeconds();
  const cpuFrom = sampler.sample();
  const wallStart = Date.now();
  const postedAt = new Map<string, number>();
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  const total = rate * seconds;
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const sentAt = Date.now();
    inFlight.push(
      fetch(`${config.services.orders.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          customerId: `bench-${i % 1000}`,
          customerEmail: `bench-${i % 1000}@example.com`,
          currency: 'EUR',
          items: [{ sku: 'BENCH', quantity: 1, unitPriceCents: 1_000 + (i % 500) }],
        }),
      }).then(
        async (response) => {
          if (response.status !== 201) errors += 1;
          else postedAt.set(((await response.json()) as { id: string }).id, sentAt);
        },
        () => {
          errors += 1;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const postedIn = (performance.now() - started) / 1000;
  const cpuTo = sampler.sample();
  const cpu = CpuSampler.usage(cpuFrom, cpuTo);
  const postgresCpu = CpuSampler.postgresUsage(cpuFrom, cpuTo);
  const wallEnd = Date.now();
  const postgres = PostgresProfiler.between(pgFrom, await profiler.snapshot());
  const gc = formatGc(gcFrom, await serviceGcSeconds(), (wallEnd - wallStart) / 1000);
  const emailsSent = emails.messages.filter((m) => m.arrivedAt >= wallStart && m.arrivedAt <= wallEnd).length;
  const drainEnds = Date.now() + DRAIN_MS;

  const confirmedAt = new Map<string, number>();
  const emailedAt = new Map<string, number>();
  const collect = () => {
    for (const m of orders.messages) {
      if (m.headers.eventType === 'OrderConfirmed' && m.key && postedAt.has(m.key)) confirmedAt.set(m.key, m.arrivedAt);
    }
    for (const m of emails.messages) {
      if (m.key && postedAt.has(m.key) && m.value?.includes('"ORDER_CONFIRMED"')) emailedAt.set(m.key, m.arrivedAt);
    }
  };
  await waitUntil(
    'every order confirmed and emailed',
    () => {
      collect();
      return confirmedAt.size >= postedAt.size && emailedAt.size >= postedAt.size;
    },
    DRAIN_MS,
    250,
  ).catch(() => undefined);
  collect();
  // Every consumer group, not only those the latencies pass through, back to near zero within the same window.
  let lagAfterDrain = Number.POSITIVE_INFINITY;
  await waitUntil(
    'every consumer group caught up',
    async () => {
      lagAfterDrain = (await lag.refresh()).reduce((sum, p) => sum + p.messages, 0);
      return lagAfterDrain <= LAG_NEAR_ZERO;
    },
    Math.max(drainEnds - Date.now(), 1),
    500,
  ).catch(() => undefined);
  const confirmed = [...confirmedAt].map(([id, at]) => at - postedAt.get(id)!);
  const emailed = [...emailedAt].map(([id, at]) => at - postedAt.get(id)!);
  orders.messages.length = 0;
  emails.messages.length = 0;
  return {
    rate,
    achieved: postedAt.size / postedIn,
    confirmed,
    emailed,
    posted: postedAt.size,
    lost: postedAt.size - confirmedAt.size,
    errors,
    cpu,
    postgresCpu,
    postgres,
    gc,
    emailsPerSecond: emailsSent / ((wallEnd - wallStart) / 1000),
    lagAfterDrain,
  };
}

export async function saga(): Promise<BenchReport> {
  const sampler = await CpuSampler.forStack();
  const probes = await openSagaProbes();
  const rows: Record<string, string | number>[] = [];
  const curve: { rate: number; p50: number; p99: number; email99: number }[] = [];
  const profiles: string[] = [];
  let ceilings: Ceilings | undefined;
  let held = 0;
  let orderPathHeld = 0;
  let flowBroke = false;
  let emailP99AtHeld = Number.NaN;
  try {
    await step(RATES[0] ?? 50, probes, sampler, WARMUP_SECONDS);
    // After the warm-up, so the JVMs are as warm for the ceilings as for the steps.
    ceilings = await measureCeilings(CEILING_SECONDS);
    probes.orders.messages.length = 0;
    probes.emails.messages.length = 0;
    for (const rate of RATES) {
      const s = await step(rate, probes, sampler);
      const { orderPath: ok, wholeFlow } = judge(s);
      if (ok) orderPathHeld = rate;
      // A step after one the emails fell behind in starts with their backlog: it cannot hold the flow either.
      flowBroke ||= !wholeFlow;
      if (!flowBroke) {
        held = rate;
        emailP99AtHeld = percentile(s.emailed, 99);
      }
      rows.push({
        'offered/s': rate,
        'achieved/s': round(s.achieved, 0),
        'confirmed p50/p95/p99/max ms': `${percentileCell(s.confirmed, 50)} / ${percentileCell(s.confirmed, 95)} / ${percentileCell(s.confirmed, 99)} / ${percentileCell(s.confirmed, 100)}`,
        'email p50/p95/p99/max ms': `${percentileCell(s.emailed, 50)} / ${percentileCell(s.emailed, 95)} / ${percentileCell(s.emailed, 99)} / ${percentileCell(s.emailed, 100)}`,
        lost: s.lost,
        'http errors': s.errors,
        'events/s ÷ producer ceiling': round((s.achieved * EVENTS_PER_ORDER) / ceilings.producer6p, 3),
        'orders/s ÷ raw pg tx/s': round(s.achieved / ceilings.pgTransactions, 2),
        'p50 ÷ round trip p50': round(percentile(s.confirmed, 50) / ceilings.roundTripP50, 0),
        'lag after drain': Number.isFinite(s.lagAfterDrain) ? s.lagAfterDrain : 'unread',
        'order path held': ok ? 'yes' : 'no',
        'whole flow held': wholeFlow ? 'yes' : 'no',
      });
      const cpuMsPerOrder = orderPathCpuMs(s);
      const cpuMsPerEmail = (((s.cpu.email ?? 0) + (s.cpu.smtp ?? 0)) * 10) / s.emailsPerSecond;
      profiles.push(
        `CPU at ${rate}/s (% of one core): ${formatUsage(s.cpu)}; the order path (${ORDER_PATH.join(', ')}) ` +
          `${round(cpuMsPerOrder, 1)} ms of CPU per order, so 500 orders/s would need ` +
          `${round((cpuMsPerOrder * 500) / 1000, 1)} cores of this machine for it alone; ` +
          `${round(s.emailsPerSecond, 0)} emails/s sent, email + MailDev ${round(cpuMsPerEmail, 1)} ms of CPU per email. ` +
          `Postgres' CPU by process: ${formatUsage(s.postgresCpu)}. ` +
          `${formatPostgresProfile(s.postgres, s.achieved * SECONDS, 'order', ['orders', 'payments', 'email'])} ` +
          `(email's share is of the emails sent meanwhile, backlog included). GC, share of wall time: ${s.gc}.`,
      );
      curve.push({
        rate,
        p50: percentile(s.confirmed, 50),
        p99: percentile(s.confirmed, 99),
        email99: percentile(s.emailed, 99),
      });
      if (!ok) break;
    }
  } finally {
    await closeSagaProbes(probes);
  }
  writeLineChart(resultsFile('saga.svg'), 'Saga latency against offered rate', 'orders/s offered', 'ms from POST', [
    { name: 'confirmed p50', points: curve.map((c) => ({ x: c.rate, y: c.p50 })) },
    { name: 'confirmed p99', points: curve.map((c) => ({ x: c.rate, y: c.p99 })) },
    { name: 'email p99', points: curve.map((c) => ({ x: c.rate, y: c.email99 })) },
  ]);
  return {
    title: 'Saga end to end: placed → confirmed, open loop',
    method:
      `After a ${WARMUP_SECONDS} s warm-up at the first rate, orders POSTed at a fixed rate for ${SECONDS} s per step (open loop), every service, Kafka, Connect and Postgres on this machine. ` +
      'Latency from the POST to OrderConfirmed on orders.events, and to EmailSent(ORDER_CONFIRMED) on email.events. ' +
      `The order path holds a step when nothing is lost, p99 to confirmed < 1 s and ≥ 95% of the offered rate was achieved; ` +
      `the whole flow holds it when, besides, every confirmation email was sent within the drain window at p99 < ${EMAIL_P99_MS / 1000} s and every consumer group of the services was back within ${LAG_NEAR_ZERO} messages of the end of its topics (all groups together) by the end of that window ` +
      '(and every step before held it too). The run stops at the first step the order path does not hold.',
    rows,
    // The services' Kafka client is what ORDERFLOW_KAFKA_CLIENT started them with (`stack up` in the same environment).
    services: { httpAdapter: await ordersHttpAdapter(), kafkaClient: kafkaClientName() },
    notes: [
      `Highest rate held by the whole flow, emails included: ${held} orders/s` +
        (held > 0 ? ` (confirmation email p99 ${round(emailP99AtHeld, 0)} ms).` : '.') +
        ` By the order path alone (placed → confirmed): ${orderPathHeld} orders/s.`,
      ...(rows.some((row) => String(row['email p50/p95/p99/max ms']).startsWith('–'))
        ? [
            'Email latency "–": none of the step’s confirmation emails was sent within the 30 s drain window (the ' +
              'email service works through the backlog of earlier steps and runs first).',
          ]
        : []),
      `Ceilings measured in the same run (${CEILING_SECONDS} s each, after the warm-up): ${kafkaClientLibrary().name} idempotent producer ` +
        `${round(ceilings.producer6p, 0)} events/s (6 partitions), produce → consume round trip p50 ` +
        `${round(ceilings.roundTripP50, 2)} ms / p99 ${round(ceilings.roundTripP99, 2)} ms, raw pg ` +
        `${round(ceilings.pgTransactions, 0)} single-row tx/s, MailDev ${round(ceilings.smtpEmails, 0)} emails/s from the ` +
        'benchmark while the email service goes on sending its backlog to it (so its CPU per email is not measured here: ' +
        '`npm run bench -- ceilings` on a quiet stack). An order is ' +
        `${EVENTS_PER_ORDER} events on topics and three Kafka hops from POST to OrderConfirmed.`,
      ...profiles,
      'Chart: saga.svg (latency against offered rate).',
    ],
  };
}
