import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PrismaPg } from '@prisma/adapter-pg';
import type { Queryable } from '@orderflow/messaging';
import type { PoolClient, QueryConfig } from 'pg';
import { freshDatabase } from '../../test/support/test-database';
import { decide } from '../../services/orders/src/domain/order.decide';
import type { OrderEvent } from '../../services/orders/src/domain/order';
import { appendOrderEvents } from '../../services/orders/src/persistence/order-event.store';
import { type BenchReport, round } from './bench.results';

/**
 * The hot write path — an order's event appended to the event store plus its
 * outbox row, atomically — through `pg` (what the service runs) and through
 * Prisma's interactive transaction, on one connection each, against a
 * throw-away database migrated like the orders database. The `pg` path three
 * ways: as the service runs it (one prepared statement, the outbox insert in
 * its WITH clause, no BEGIN/COMMIT), the same statement inside BEGIN … COMMIT,
 * and sent unprepared; with the Postgres backend's CPU per transaction read
 * from /proc (the benchmark runs beside the stack).
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

const placed = (): OrderEvent[] =>
  decide(
    {
      type: 'PlaceOrder',
      data: {
        customerId: 'bench',
        customerEmail: 'bench@example.com',
        currency: 'EUR',
        items: [{ sku: 'B', quantity: 1, unitPriceCents: 100 }],
      },
    },
    { status: 'NONE' },
    {
      orderId: randomUUID(),
      eventIds: [randomUUID()],
      now: new Date().toISOString(),
      correlationId: randomUUID(),
      causationId: null,
    },
  );

async function measure(work: () => Promise<void>): Promise<number> {
  let done = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  while (performance.now() < deadline) {
    await work();
    done += 1;
  }
  return done / ((performance.now() - started) / 1000);
}

/** CPU seconds the backend serving `client` has used so far. */
async function backendCpu(client: PoolClient): Promise<() => number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return () => {
    const stat = readFileSync(`/proc/${rows[0]!.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ ticks
  };
}

/** The same client with every statement sent unprepared (the name dropped). */
const unprepared = (client: PoolClient): Queryable => ({
  query: ((config: string | QueryConfig, values?: unknown[]) =>
    typeof config === 'string'
      ? client.query(config, values)
      : client.query({ text: config.text, values: config.values })) as PoolClient['query'],
});

async function measurePg(
  client: PoolClient,
  db: Queryable,
  { inBeginCommit = false } = {},
): Promise<{ rate: number; cpuUsPerTx: number }> {
  const cpu = await backendCpu(client);
  const before = cpu();
  let transactions = 0;
  const rate = await measure(async () => {
    const events = placed();
    if (inBeginCommit) await client.query('BEGIN');
    await appendOrderEvents(db, events);
    if (inBeginCommit) await client.query('COMMIT');
    transactions += 1;
  });
  return { rate, cpuUsPerTx: ((cpu() - before) / transactions) * 1e6 };
}

export async function persistence(): Promise<BenchReport> {
  const db = await freshDatabase('orders_persistence_bench', 'orders');
  const client = await db.pool.connect();
  const viaPg = await measurePg(client, client);
  const viaPgInTransaction = await measurePg(client, client, { inBeginCommit: true });
  const viaPgUnprepared = await measurePg(client, unprepared(client));
  client.release();

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PrismaClient } = require(
    path.join(__dirname, '..', '..', 'services', 'orders', 'src', 'persistence', 'prisma', 'client'),
  );
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url, max: 1 }) });
  const viaPrismaRate = await measure(async () => {
    const [event] = placed();
    const e = event!;
    await prisma.$transaction(async (tx: typeof prisma) => {
      await tx.orderEvent.create({
        data: {
          order_id: e.aggregateId,
          version: e.aggregateVersion,
          event_id: e.eventId,
          type: e.type,
          schema_version: e.schemaVersion,
          occurred_at: new Date(e.occurredAt),
          correlation_id: e.correlationId,
          causation_id: e.causationId,
          envelope: e,
        },
      });
      await tx.outbox.create({
        data: {
          id: e.eventId,
          aggregatetype: e.aggregateType,
          aggregateid: e.aggregateId,
          type: e.type,
          schemaversion: e.schemaVersion,
          aggregateversion: e.aggregateVersion,
          correlationid: e.correlationId,
          causationid: e.causationId,
          occurredat: new Date(e.occurredAt),
          payload: e,
        },
      });
    });
  });
  await prisma.$disconnect();
  await db.drop();

  return {
    title: 'Write path: event + outbox row per transaction, pg vs Prisma',
    method: `One connection each, ${SECONDS} s each, one order placed per transaction (INSERT order_events + INSERT outbox).`,
    rows: [
      {
        path: 'pg, prepared, one statement (the service’s path: outbox insert in its WITH clause, no BEGIN/COMMIT)',
        'tx/s': round(viaPg.rate, 0),
        ratio: 1,
        'backend CPU µs/tx': round(viaPg.cpuUsPerTx, 0),
      },
      {
        path: 'pg, the same statement inside BEGIN … COMMIT',
        'tx/s': round(viaPgInTransaction.rate, 0),
        ratio: round(viaPg.rate / viaPgInTransaction.rate, 2),
        'backend CPU µs/tx': round(viaPgInTransaction.cpuUsPerTx, 0),
      },
      {
        path: 'pg, the same statement unprepared',
        'tx/s': round(viaPgUnprepared.rate, 0),
        ratio: round(viaPg.rate / viaPgUnprepared.rate, 2),
        'backend CPU µs/tx': round(viaPgUnprepared.cpuUsPerTx, 0),
      },
      {
        path: 'Prisma 7 interactive $transaction + adapter-pg',
        'tx/s': round(viaPrismaRate, 0),
        ratio: round(viaPg.rate / viaPrismaRate, 2),
        'backend CPU µs/tx': '',
      },
    ],
    notes: [
      viaPg.rate / viaPrismaRate > 1.5
        ? 'Prisma costs more than 1.5× here: the hot write path stays on pg; Prisma is for typed reads and schema.'
        : 'Prisma is within 1.5× of pg here.',
    ],
  };
}
