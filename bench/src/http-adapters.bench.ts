import { HttpAdapter, loadStackConfig } from '../../infra/src/config/stack.config';
import { restartServiceWith } from '../../test/support/service.restart';
import { CpuSampler } from './cpu.sampler';
import { type BenchReport, percentileCell, round } from './bench.results';
import { closeSagaProbes, judge, openSagaProbes, orderPathCpuMs, ordersHttpAdapter, step } from './saga.bench';

/**
 * Express against Fastify under the saga, in one run on one stack: the orders
 * service (the only one whose HTTP carries load) is restarted with each
 * adapter in turn, warmed up, and driven through the same rising rates;
 * rounds alternate which adapter goes first, so a drift of the machine over
 * the run (JIT, page cache, topic sizes) does not favour one. Between the
 * two, only the orders service's HTTP layer differs: the figure to compare is
 * its CPU per order at the same rate, then whether the flow held.
 */
const config = loadStackConfig();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RATES = (process.env.BENCH_RATES ?? '30,40,50,60,80,100').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 30);

async function restartOrdersWith(adapter: HttpAdapter): Promise<void> {
  await restartServiceWith({ ...config, httpAdapter: adapter }, 'orders', {});
  const running = await ordersHttpAdapter();
  if (running !== adapter) throw new Error(`orders restarted with ${adapter} but reports ${running}`);
}

export async function httpAdaptersBench(): Promise<BenchReport> {
  const probes = await openSagaProbes();
  const rows: Record<string, string | number>[] = [];
  const perOrder: Record<HttpAdapter, Map<number, number[]>> = { express: new Map(), fastify: new Map() };
  /** Per adapter, per round: the highest rate the whole flow held, and the order path. */
  const held: Record<HttpAdapter, { flow: number; orderPath: number }[]> = { express: [], fastify: [] };
  try {
    for (let round_ = 1; round_ <= ROUNDS; round_ += 1) {
      const order: HttpAdapter[] = round_ % 2 === 1 ? ['express', 'fastify'] : ['fastify', 'express'];
      for (const adapter of order) {
        await restartOrdersWith(adapter);
        // The restarted service has a new pid: the sampler finds the stack's processes again.
        const sampler = await CpuSampler.forStack();
        await step(RATES[0] ?? 100, probes, sampler, WARMUP_SECONDS);
        const highest = { flow: 0, orderPath: 0 };
        held[adapter].push(highest);
        let flowBroke = false;
        for (const rate of RATES) {
          const s = await step(rate, probes, sampler, SECONDS);
          const { orderPath, wholeFlow } = judge(s);
          const ordersMs = ((s.cpu.orders ?? 0) * 10) / s.achieved;
          if (orderPath) {
            perOrder[adapter].set(rate, [...(perOrder[adapter].get(rate) ?? []), ordersMs]);
            highest.orderPath = rate;
          }
          // As in the saga bench: once the emails fell behind, the next step starts with their backlog.
          flowBroke ||= !wholeFlow;
          if (!flowBroke) highest.flow = rate;
          rows.push({
            round: round_,
            adapter,
            'offered/s': rate,
            'achieved/s': round(s.achieved, 0),
            'confirmed p50/p99 ms': `${percentileCell(s.confirmed, 50)} / ${percentileCell(s.confirmed, 99)}`,
            'email p99 ms': percentileCell(s.emailed, 99),
            lost: s.lost,
            'lag after drain': Number.isFinite(s.lagAfterDrain) ? s.lagAfterDrain : 'unread',
            'orders CPU (% of a core)': round(s.cpu.orders ?? 0, 1),
            'orders CPU per order ms': round(ordersMs, 2),
            'order path CPU per order ms': round(orderPathCpuMs(s), 1),
            'load generator CPU (% of a core)': round(s.cpu['load generator'] ?? 0, 0),
            'machine busy': `${round(s.cpu['machine busy'] ?? 0, 0)} %`,
            'order path held': orderPath ? 'yes' : 'no',
            'whole flow held': wholeFlow ? 'yes' : 'no',
          });
          // A step the order path did not hold leaves a backlog the next, higher, step starts with.
          if (!orderPath) break;
        }
      }
    }
  } finally {
    await closeSagaProbes(probes);
    // Back to what the stack was started with.
    await restartServiceWith(config, 'orders', {});
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const ratios = RATES.flatMap((rate) => {
    const express = perOrder.express.get(rate);
    const fastify = perOrder.fastify.get(rate);
    return express && fastify
      ? [`${rate}/s: ${round(mean(fastify) / mean(express), 2)} (${express.length} + ${fastify.length} steps)`]
      : [];
  });
  return {
    title: 'HTTP adapter under the saga: Express vs Fastify for the orders service',
    command: `BENCH_ROUNDS=${ROUNDS} BENCH_RATES=${RATES.join(',')} npm run bench -- http-adapters`,
    method:
      `${ROUNDS} rounds on one stack; in each, the orders service restarted with Express and with Fastify ` +
      '(alternating which goes first), a ' +
      `${WARMUP_SECONDS} s warm-up at ${RATES[0]}/s, then orders POSTed open loop for ${SECONDS} s at each of ` +
      `${RATES.join(', ')}/s (the saga bench's steps and its held rules: order path = nothing lost, p99 to confirmed ` +
      '< 1 s, ≥ 95 % of the rate; whole flow = besides, confirmation email p99 < 2 s and lag near zero after the ' +
      'drain), stopping an adapter\u2019s round at the first step its order path did not hold. "orders CPU per order" ' +
      'is the orders service process\u2019s CPU (user + system) over the step divided by the orders accepted.',
    rows,
    notes: [
      ...HttpAdapter.options.map(
        (adapter) =>
          `${adapter}, highest rate held by round — whole flow: ${held[adapter].map((h) => `${h.flow}/s`).join(', ')}; ` +
          `order path: ${held[adapter].map((h) => `${h.orderPath}/s`).join(', ')}.`,
      ),
      `Orders service CPU per order, Fastify ÷ Express (means over the steps both held): ${ratios.join('; ') || 'no rate held by both'}.`,
    ],
  };
}
