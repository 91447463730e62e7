import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Pool } from 'pg';
import { Topics } from '@orderflow/events';
import { loadStackConfig } from '../../infra/src/config/stack.config';
import { fold, isOrderEvent, type OrderEvent } from '../../services/orders/src/domain/order';
import { loadOrderEvents } from '../../services/orders/src/persistence/order-event.store';
import { type OrderViewRow, toOrder } from '../../services/orders/src/projections/order-view.projection';
import { anOrderRequest, inParallel, orderRequest, postOrder } from '../support/orders.client';
import { TopicTail } from '../support/topic.tail';
import { waitUntil } from '../support/wait-until';

/**
 * Replay: 1,000 orders placed through the API (a third of them cancelled, so
 * streams have several versions), the read model dropped and rebuilt from
 * orders.events alone by the replay command, then compared order by order
 * with the state folded from the event store.
 */
const config = loadStackConfig();
const repoRoot = path.resolve(__dirname, '..', '..');
const ORDERS = 1_000;

const runReplay = (...args: string[]) =>
  spawnSync(
    'bash',
    [
      path.join(repoRoot, 'infra', 'bin', 'stack'),
      'exec',
      'orders',
      'node',
      'services/orders/dist/projections/replay.command.js',
      ...args,
    ],
    { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 },
  );

describe('replaying orders.events', () => {
  const pool = new Pool({ connectionString: config.postgres.databases.orders.url, max: 4 });
  let tail: TopicTail;
  let stateTail: TopicTail;
  let orderIds: string[];

  beforeAll(async () => {
    tail = await TopicTail.start([config.kafka.bootstrap], Topics.ordersEvents);
    stateTail = await TopicTail.start([config.kafka.bootstrap], Topics.ordersState);
    const placed = await inParallel(
      Array.from({ length: ORDERS }, (_, i) => i),
      32,
      async (i) => {
        const { status, body } = await postOrder(anOrderRequest({ customerId: `replay-${i % 50}` }));
        expect(status).toBe(201);
        return body.id;
      },
    );
    orderIds = placed;
    await inParallel(
      orderIds.filter((_, i) => i % 3 === 0),
      16,
      async (id) => {
        // 409 when the saga cancelled it first (payment declined): also a second version.
        const { status } = await orderRequest('POST', `/orders/${id}/cancel`);
        expect([200, 409]).toContain(status);
      },
    );
  }, 300_000);
  afterAll(async () => {
    await tail.stop();
    await stateTail.stop();
    await pool.end();
  });

  /** Event store and topic agree once every stored event of our orders has been relayed. */
  const storeEventCount = async () => {
    const { rows } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM order_events WHERE order_id = ANY($1::uuid[])',
      [orderIds],
    );
    return rows[0]!.n;
  };
  const ours = () => {
    const ids = new Set(orderIds);
    return tail.messages.filter((m) => m.key !== null && ids.has(m.key));
  };

  it('carries each order’s events in version order', async () => {
    await waitUntil(
      'every stored event of the test orders on orders.events',
      async () => {
        const stored = await storeEventCount();
        return stored > ORDERS && ours().length >= stored;
      },
      120_000,
      250,
    );
    const versions = new Map<string, number[]>();
    for (const message of ours()) {
      const event = JSON.parse(message.value ?? 'null') as { aggregateVersion: number };
      versions.set(message.key!, [...(versions.get(message.key!) ?? []), event.aggregateVersion]);
    }
    expect(versions.size).toBe(ORDERS);
    const outOfOrder = [...versions].filter(([, v]) => v.some((version, i) => version !== i + 1));
    expect(outOfOrder).toEqual([]);
    expect([...versions.values()].some((v) => v.length > 1)).toBe(true);
  });

  it('publishes each order’s latest state to the compacted orders.state topic', async () => {
    const cancelled = orderIds[0]!;
    const latest = async () => {
      const states = stateTail.messages.filter((m) => m.key === cancelled);
      return states.length > 0
        ? (JSON.parse(states[states.length - 1]!.value ?? 'null') as { status: string; version: number })
        : undefined;
    };
    const state = await waitUntil(
      'the latest state of the order',
      async () => {
        const store = fold((await loadOrderEvents(pool, cancelled)).filter(isOrderEvent) as OrderEvent[]);
        const s = await latest();
        return s && store.status !== 'NONE' && s.version === store.version ? s : undefined;
      },
      60_000,
      250,
    );
    expect(state.status).toBe('CANCELLED');
  });

  it('rebuilds the dropped read model equal, order by order, to the event store', async () => {
    // The live projection must have caught up first: an event it applied to a
    // truncated table would find no row to build on (and publish no state).
    await waitUntil(
      'the live read model at the event store’s version for every test order',
      async () => {
        const { rows } = await pool.query<{ behind: number }>(
          `SELECT count(*)::int AS behind
             FROM (SELECT order_id, max(version) AS version FROM order_events
                    WHERE order_id = ANY($1::uuid[]) GROUP BY order_id) s
             LEFT JOIN orders_view_v1 v ON v.id = s.order_id
            WHERE v.version IS DISTINCT FROM s.version`,
          [orderIds],
        );
        return rows[0]!.behind === 0;
      },
      120_000,
      250,
    );
    await pool.query('TRUNCATE orders_view_v1');

    const replay = runReplay('--from-beginning');
    expect(replay.status).toBe(0);
    expect(replay.stdout).toMatch(/replayed \d+ events/);

    const { rows } = await pool.query<OrderViewRow>('SELECT * FROM orders_view_v1 WHERE id = ANY($1::uuid[])', [
      orderIds,
    ]);
    const view = new Map(rows.map((r) => [r.id, toOrder(r)]));
    const differences: { id: string; view: unknown; store: unknown }[] = [];
    for (const id of orderIds) {
      const store = fold((await loadOrderEvents(pool, id)).filter(isOrderEvent) as OrderEvent[]);
      if (JSON.stringify(normalise(view.get(id))) !== JSON.stringify(normalise(store))) {
        differences.push({ id, view: view.get(id), store });
      }
    }
    expect(differences.slice(0, 3)).toEqual([]);
    expect(view.size).toBe(ORDERS);
  }, 300_000);

  it('rebuilds one order from its key on the topic', async () => {
    const cancelled = orderIds[0]!;
    const replay = runReplay('--order', cancelled);
    expect(replay.status).toBe(0);
    const store = fold((await loadOrderEvents(pool, cancelled)).filter(isOrderEvent) as OrderEvent[]);
    expect(normalise(JSON.parse(replay.stdout))).toEqual(normalise(store));
  });
});

/** jsonb does not keep key order: compare with sorted keys. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, normalise(v)]),
    );
  }
  return value;
}
