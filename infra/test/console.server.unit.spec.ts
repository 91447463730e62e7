import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Server } from 'node:http';
import type { StoryStep } from '../src/cli/commands/order.command';
import { CachedReading } from '../src/console/cached.reading';
import { type ConsoleSources, createConsoleServer } from '../src/console/console.server';

/**
 * The console's HTTP surface with its sources faked: what each endpoint
 * answers, and that a source that fails (a broker away) costs one 503, not
 * the server. The real sources are exercised by test/e2e/console.browser.e2e.spec.ts.
 */
const publicDir = path.join(__dirname, '..', 'src', 'console', 'public');
const orderId = '01a23799-f2bf-7709-be04-0309bbc4e114';
const step = { type: 'OrderPlaced', topic: 'orders.events', sinceStartMs: 0 } as unknown as StoryStep;

const fakeSources = (overrides: Partial<ConsoleSources> = {}): ConsoleSources => ({
  status: async () => ({ healthy: true, components: {} }),
  topics: async () => [],
  lag: () => [
    {
      group: 'payments.order-events',
      topic: 'orders.events',
      partition: 0,
      committed: 1,
      end: 3,
      messages: 2,
      seconds: 4,
    },
  ],
  events: () => ({ following: true, events: [] }),
  deadLetters: async () => ({ readAt: '2026-01-01T00:00:00.000Z', services: [] }),
  timeline: async (id) => (id === orderId ? [step] : []),
  ...overrides,
});

async function serve(sources: ConsoleSources): Promise<{ url: string; server: Server }> {
  const server = createConsoleServer(sources, publicDir);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the console server', () => {
  let server: Server | undefined;
  afterEach(async () => {
    jest.restoreAllMocks();
    const running = server;
    server = undefined;
    if (running) await new Promise((resolve) => running.close(resolve));
  });

  it('serves the page, which loads only its own script and style (no inline code: the policy forbids it)', async () => {
    const started = await serve(fakeSources());
    server = started.server;
    const page = await fetch(`${started.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/console.js"></script>');
    expect(html).toContain('id="order-search"');
    const script = await fetch(`${started.url}/console.js`);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect(await script.text()).toContain("poll('lag-panel', '/api/lag'");
  });

  it('answers each endpoint with its source, as JSON', async () => {
    const started = await serve(fakeSources());
    server = started.server;
    const get = async (p: string) => (await fetch(`${started.url}${p}`)).json();
    expect(await get('/api/health')).toEqual({ status: 'ok' });
    expect(await get('/api/status')).toEqual({ healthy: true, components: {} });
    expect(await get('/api/lag')).toEqual([expect.objectContaining({ group: 'payments.order-events', messages: 2 })]);
    expect(await get('/api/events')).toEqual({ following: true, events: [] });
    expect(await get(`/api/orders/${orderId}/timeline`)).toEqual([step]);
  });

  it('refuses an order id that is not a UUID (400) without reading, and says so when an order has no events (404)', async () => {
    const timeline = jest.fn(async () => []);
    const started = await serve(fakeSources({ timeline }));
    server = started.server;
    const bad = await fetch(`${started.url}/api/orders/not-an-id/timeline`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: expect.stringContaining('not an order id') });
    expect(timeline).not.toHaveBeenCalled();
    const unknown = await fetch(`${started.url}/api/orders/00000000-0000-4000-8000-000000000000/timeline`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: expect.stringContaining('no events keyed') });
  });

  it('answers 503 with the reason when a source cannot read, and goes on serving', async () => {
    jest.spyOn(process.stderr, 'write').mockReturnValue(true); // the server logs the failures
    const started = await serve(
      fakeSources({
        topics: async () => {
          throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:19092');
        },
        lag: () => {
          throw new Error('cannot read consumer lag: broker away');
        },
      }),
    );
    server = started.server;
    const topics = await fetch(`${started.url}/api/topics`);
    expect(topics.status).toBe(503);
    expect(await topics.json()).toEqual({ error: expect.stringContaining('ECONNREFUSED') });
    expect((await fetch(`${started.url}/api/lag`)).status).toBe(503);
    expect((await fetch(`${started.url}/api/status`)).status).toBe(200);
  });

  it('only reads: an unknown path is 404, a write 405, and no path reaches the file system', async () => {
    const started = await serve(fakeSources());
    server = started.server;
    expect((await fetch(`${started.url}/api/nothing`)).status).toBe(404);
    expect((await fetch(`${started.url}/../console.server.ts`)).status).toBe(404);
    expect((await fetch(`${started.url}/%2e%2e/console.server.ts`)).status).toBe(404);
    expect((await fetch(`${started.url}/api/status`, { method: 'POST' })).status).toBe(405);
  });
});

describe('a cached reading', () => {
  it('reads once for every caller within its age, once for callers while a read is in flight, and again after', async () => {
    let now = 0;
    let reads = 0;
    let release: () => void = () => undefined;
    const reading = new CachedReading(
      () => {
        reads += 1;
        return new Promise<number>((resolve) => (release = () => resolve(reads)));
      },
      1_000,
      () => now,
    );
    const first = reading.get();
    now = 5_000; // a slow read: its age counts from when it lands
    const second = reading.get();
    release();
    expect(await Promise.all([first, second])).toEqual([1, 1]);
    now = 5_900;
    expect(await reading.get()).toBe(1);
    now = 6_100;
    const third = reading.get();
    release();
    expect(await third).toBe(2);
    expect(reads).toBe(2);
  });

  it('keeps a failure as long as a value, so a dependency that is down is not asked on every poll', async () => {
    let now = 0;
    const read = jest.fn(async () => {
      throw new Error('down');
    });
    const reading = new CachedReading(read, 1_000, () => now);
    await expect(reading.get()).rejects.toThrow('down');
    now = 500;
    await expect(reading.get()).rejects.toThrow('down');
    expect(read).toHaveBeenCalledTimes(1);
    now = 1_600;
    await expect(reading.get()).rejects.toThrow('down');
    expect(read).toHaveBeenCalledTimes(2);
  });
});
