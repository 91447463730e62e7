import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { PrismaPg } from '@prisma/adapter-pg';
import type { Pool } from 'pg';
import { type FreshDatabase, freshDatabase } from '../../test/support/test-database';
import { OrderQueries } from '../../services/orders/src/application/order.queries';
import { type OrderEvent, fold } from '../../services/orders/src/domain/order';
import { decide } from '../../services/orders/src/domain/order.decide';
import { appendOrderEvents } from '../../services/orders/src/persistence/order-event.store';
import { OrderPgReads } from '../../services/orders/src/persistence/order.pg-reads';
import { OrderPrismaReads } from './reads/order.prisma-reads';
import { PrismaClient as OrdersPrismaClient } from '../../services/orders/src/persistence/prisma/client';
import { projectEvents } from '../../services/orders/src/projections/order-view.projection';
import { PaymentPgReads } from '../../services/payments/src/persistence/payment.pg-reads';
import { PaymentPrismaReads } from './reads/payment.prisma-reads';
import { PrismaClient as PaymentsPrismaClient } from '../../services/payments/src/persistence/prisma/client';
import { EmailPgReads } from '../../services/email/src/persistence/email.pg-reads';
import { EmailPrismaReads } from './reads/email.prisma-reads';
import { PrismaClient as EmailPrismaClient } from '../../services/email/src/persistence/prisma/client';
import { type BenchReport, round } from './bench.results';

/**
 * Each read of the services' read side, through `pg` and through the
 * generated Prisma client (driver adapter over the same pool, as the services
 * build it), called at the read port — the functions the controllers call —
 * in this process, against throw-away databases on the stack's Postgres,
 * seeded with ORDERS orders (their events, view rows, payments and three sent
 * emails each). CONCURRENCY callers at once, each picking the next seeded id;
 * the two ways alternate round by round (ROUNDS rounds of at most
 * ROUND_SECONDS and ROUND_READS reads each), after one warm-up round each.
 * Node CPU per read is process.cpuUsage over the round (user + system) divided
 * by the reads: the client's cost, which is what differs between the two.
 */
const ORDERS = Number(process.env.BENCH_ORDERS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 1.5);
const ROUND_READS = Number(process.env.BENCH_ROUND_READS ?? 50_000);
/** Prisma stays on a hot read only within this factor of pg, in reads/s and in CPU per read. */
const LIMIT = 1.5;

interface Read {
  name: string;
  /** On a request path clients call per order or poll; the others are admin and status reads. */
  hot: boolean;
  /** A read that runs the same query as a hot one goes the same way: one way to read a stream. */
  sameQueryAs?: string;
  pg: (i: number) => Promise<unknown>;
  prisma: (i: number) => Promise<unknown>;
}

interface Round {
  reads: number;
  seconds: number;
  cpuUs: number;
}

async function timedRound(read: (i: number) => Promise<unknown>, seconds: number, cap: number): Promise<Round> {
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const cpu = process.cpuUsage();
  const caller = async () => {
    while (performance.now() < deadline && next < cap) await read(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, caller));
  const used = process.cpuUsage(cpu);
  return { reads: next, seconds: (performance.now() - started) / 1000, cpuUs: used.user + used.system };
}

/** Both ways must answer the same, to the byte, before either is timed. */
async function sameAnswers(read: Read, samples: number[]): Promise<void> {
  for (const i of samples) {
    const [viaPg, viaPrisma] = [await read.pg(i), await read.prisma(i)];
    if (!isDeepStrictEqual(viaPg, viaPrisma) || JSON.stringify(viaPg) !== JSON.stringify(viaPrisma)) {
      throw new Error(`${read.name}: pg and Prisma answer differently for sample ${i}`);
    }
  }
}

async function measureRead(read: Read) {
  await sameAnswers(read, [0, 1, ORDERS - 1]);
  await timedRound(read.pg, 0.5, ROUND_READS);
  await timedRound(read.prisma, 0.5, ROUND_READS);
  const total = { pg: { reads: 0, seconds: 0, cpuUs: 0 }, prisma: { reads: 0, seconds: 0, cpuUs: 0 } };
  for (let r = 0; r < ROUNDS; r += 1) {
    for (const way of r % 2 === 0 ? (['pg', 'prisma'] as const) : (['prisma', 'pg'] as const)) {
      const measured = await timedRound(read[way], ROUND_SECONDS, ROUND_READS);
      total[way].reads += measured.reads;
      total[way].seconds += measured.seconds;
      total[way].cpuUs += measured.cpuUs;
    }
  }
  const rate = (w: Round) => w.reads / w.seconds;
  const cpu = (w: Round) => w.cpuUs / w.reads;
  const rateRatio = rate(total.pg) / rate(total.prisma);
  const cpuRatio = cpu(total.prisma) / cpu(total.pg);
  const within = rateRatio <= LIMIT && cpuRatio <= LIMIT;
  const decision = read.sameQueryAs ? `as ${read.sameQueryAs} (the same query)` : !read.hot || within ? 'Prisma' : 'pg';
  return [
    { read: read.name, way: 'pg', 'reads/s': round(rate(total.pg), 0), 'CPU µs/read': round(cpu(total.pg), 0) },
    {
      read: read.name,
      way: 'Prisma',
      'reads/s': round(rate(total.prisma), 0),
      'CPU µs/read': round(cpu(total.prisma), 0),
    },
  ].map((row) => ({
    ...row,
    'Prisma/pg reads/s': row.way === 'Prisma' ? round(1 / rateRatio, 2) : '',
    'Prisma/pg CPU': row.way === 'Prisma' ? round(cpuRatio, 2) : '',
    decision: row.way === 'Prisma' ? decision : '',
  }));
}

const adapterOver = (pool: Pool) => new PrismaPg(pool);

/** ORDERS orders, every other one confirmed, 20 customers; their events, view rows and order ids. */
async function seedOrders(db: FreshDatabase): Promise<string[]> {
  const ids: string[] = [];
  const now = new Date().toISOString();
  for (let n = 0; n < ORDERS; n += 1) {
    const orderId = randomUUID();
    const meta = { orderId, now, correlationId: orderId, causationId: null };
    const placed = decide(
      {
        type: 'PlaceOrder',
        data: {
          customerId: `c-${n % 20}`,
          customerEmail: 'bench@example.com',
          currency: 'EUR',
          items: [{ sku: 'B', quantity: 2, unitPriceCents: 1250 }],
        },
      },
      { status: 'NONE' },
      { ...meta, eventIds: [randomUUID()] },
    );
    const events: OrderEvent[] =
      n % 2 === 0
        ? placed
        : [
            ...placed,
            ...decide({ type: 'ConfirmOrder', data: { paymentEventId: randomUUID() } }, fold(placed), {
              ...meta,
              eventIds: [randomUUID()],
            }),
          ];
    await appendOrderEvents(db.pool, events);
    await projectEvents(db.pool, events);
    ids.push(orderId);
  }
  return ids;
}

async function orderReads(): Promise<{ ids: string[]; reads: Read[]; done: () => Promise<void> }> {
  const db = await freshDatabase('orders_reads_bench', 'orders');
  const ids = await seedOrders(db);
  const prisma = new OrdersPrismaClient({ adapter: adapterOver(db.pool) });
  const viaPg = new OrderQueries(new OrderPgReads(db.pool));
  const viaPrisma = new OrderQueries(new OrderPrismaReads(prisma));
  const id = (i: number) => ids[i % ids.length]!;
  const customer = (i: number) => ({ customerId: `c-${i % 20}`, limit: 20 });
  return {
    ids,
    reads: [
      { name: 'GET /orders/:id', hot: true, pg: (i) => viaPg.order(id(i)), prisma: (i) => viaPrisma.order(id(i)) },
      {
        name: 'GET /orders (first page, limit 50)',
        hot: true,
        pg: () => viaPg.page({ limit: 50 }),
        prisma: () => viaPrisma.page({ limit: 50 }),
      },
      {
        name: 'GET /orders?customerId (limit 20)',
        hot: true,
        pg: (i) => viaPg.page(customer(i)),
        prisma: (i) => viaPrisma.page(customer(i)),
      },
      {
        name: 'GET /orders/:id/events',
        hot: false,
        sameQueryAs: 'GET /orders/:id',
        pg: (i) => viaPg.events(id(i)),
        prisma: (i) => viaPrisma.events(id(i)),
      },
    ],
    done: async () => {
      await prisma.$disconnect();
      await db.drop();
    },
  };
}

async function paymentReads(orderIds: string[]): Promise<{ reads: Read[]; done: () => Promise<void> }> {
  const db = await freshDatabase('payments_reads_bench', 'payments');
  await db.pool.query(
    `INSERT INTO payments (order_id, status, amount_cents, currency, authorization_id, decline_code, reason, version,
                           created_at, updated_at)
     SELECT id, CASE WHEN n % 3 = 0 THEN 'DECLINED' ELSE 'AUTHORIZED' END, 2500, 'EUR',
            CASE WHEN n % 3 = 0 THEN NULL ELSE 'auth-' || n END, CASE WHEN n % 3 = 0 THEN 'LIMIT_EXCEEDED' END,
            CASE WHEN n % 3 = 0 THEN 'amount exceeds the limit' END, 1, now(), now()
     FROM unnest($1::uuid[]) WITH ORDINALITY AS o(id, n)`,
    [orderIds],
  );
  const prisma = new PaymentsPrismaClient({ adapter: adapterOver(db.pool) });
  const viaPg = new PaymentPgReads(db.pool);
  const viaPrisma = new PaymentPrismaReads(prisma);
  const id = (i: number) => orderIds[i % orderIds.length]!;
  return {
    reads: [
      { name: 'GET /payments/:orderId', hot: true, pg: (i) => viaPg.view(id(i)), prisma: (i) => viaPrisma.view(id(i)) },
    ],
    done: async () => {
      await prisma.$disconnect();
      await db.drop();
    },
  };
}

async function emailReads(orderIds: string[]): Promise<{ reads: Read[]; done: () => Promise<void> }> {
  const db = await freshDatabase('email_reads_bench', 'email');
  await db.pool.query(
    `INSERT INTO emails (event_id, order_id, kind, recipient, message_id, status, position, sent_at)
     SELECT gen_random_uuid(), o.id, k.kind, 'bench@example.com', '<' || o.id || '.' || k.position || '@bench>', 'SENT',
            k.position, now() + k.position * interval '1 second'
     FROM unnest($1::uuid[]) AS o(id)
     CROSS JOIN (VALUES ('ORDER_RECEIVED', 1), ('ORDER_CONFIRMED', 2), ('ORDER_SHIPPED', 3)) AS k(kind, position)`,
    [orderIds],
  );
  const prisma = new EmailPrismaClient({ adapter: adapterOver(db.pool) });
  const viaPg = new EmailPgReads(db.pool);
  const viaPrisma = new EmailPrismaReads(prisma);
  const id = (i: number) => orderIds[i % orderIds.length]!;
  return {
    reads: [
      {
        name: 'GET /emails?orderId',
        hot: true,
        pg: (i) => viaPg.sentAbout(id(i)),
        prisma: (i) => viaPrisma.sentAbout(id(i)),
      },
    ],
    done: async () => {
      await prisma.$disconnect();
      await db.drop();
    },
  };
}

export async function reads(): Promise<BenchReport> {
  const orders = await orderReads();
  const services = [orders, await paymentReads(orders.ids), await emailReads(orders.ids)];
  const rows = [];
  try {
    for (const service of services) for (const read of service.reads) rows.push(...(await measureRead(read)));
  } finally {
    for (const service of services) await service.done();
  }
  return {
    title: 'Read side: pg vs Prisma, per read, at the read port',
    method:
      `${ORDERS} seeded orders; ${CONCURRENCY} concurrent callers in the bench process; ${ROUNDS} rounds per way ` +
      `(≤ ${ROUND_SECONDS} s, ≤ ${ROUND_READS} reads each), alternating pg and Prisma, after a warm-up round each; ` +
      'Node CPU per read from process.cpuUsage. Both ways answer byte-for-byte the same before they are timed. ' +
      `Decision: Prisma on a hot read only within ${LIMIT}× of pg in both reads/s and CPU per read.`,
    rows,
  };
}
