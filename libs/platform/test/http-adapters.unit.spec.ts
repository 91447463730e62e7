import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { gzipSync } from 'node:zlib';
import { Body, Controller, Get, type INestApplication, Module, Param, Post, Query, Res } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, HttpAdapterHost } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { trace } from '@opentelemetry/api';
import { z } from 'zod';
import {
  PG_POOL,
  ReadinessRegistry,
  ServiceUnavailableInterceptor,
  ZodValidationPipe,
  createHttpApp,
  domainErrorFilter,
} from '../src';
import { HealthController } from '../src/health/health.controller';
import { MalformedRequestFilter } from '../src/http/malformed-request.filter';
import { RequestValidationFilter } from '../src/http/zod-validation.pipe';
import { MetricsController } from '../src/metrics/metrics.controller';
import { httpRequests } from '../src/metrics/metrics.registry';
import { startTracing } from '../src/observability/tracing';
import { type HttpAdapterName, type InjectOptions, injectRequest } from '../../../test/support/http-inject';

/**
 * The two HTTP adapters answer alike: every request below is sent, in
 * process (light-my-request, no port), to the same module on Express and on
 * Fastify, built by the factory the services start with; both answers must be
 * equal — status, content type, Retry-After, body — and be what is expected.
 * The module holds what a service's edge holds: the platform's filters and
 * interceptor, a domain-error filter, zod pipes, a header written through
 * `HttpAdapterHost`.
 */
const Thing = z.strictObject({
  name: z
    .string()
    .min(1)
    .refine((text) => !text.includes('\uFFFD'), 'must be UTF-8 text'),
  count: z.number().int().min(1),
});
const ThingsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(10).optional(),
  tag: z.string().optional(),
});

class ThingError extends Error {
  constructor(
    readonly code: 'THING_GONE',
    message: string,
  ) {
    super(message);
  }
}

@Controller('things')
class ThingsController {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  @Post()
  place(
    @Body(new ZodValidationPipe(Thing, 'body')) body: z.infer<typeof Thing>,
    @Res({ passthrough: true }) res: unknown,
  ) {
    this.adapterHost.httpAdapter.setHeader(res, 'Thing-Placed', 'yes');
    this.adapterHost.httpAdapter.setHeader(res, 'Trace-Id', trace.getActiveSpan()?.spanContext().traceId ?? 'none');
    return body;
  }

  @Get()
  list(@Query(new ZodValidationPipe(ThingsQuery, 'query')) query: z.infer<typeof ThingsQuery>) {
    return { query };
  }

  @Get(':id')
  one(@Param('id', new ZodValidationPipe(z.uuid(), 'id')) id: string) {
    return { id };
  }

  @Post(':id/gone')
  gone(): never {
    throw new ThingError('THING_GONE', 'the thing is gone');
  }

  @Get(':id/away')
  away(): never {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  }
}

/** What /health reports besides the database (which answers): flipped by a test. */
const consumer = {
  name: 'consumer',
  ready: true,
  readiness: () => ({ ready: consumer.ready, details: { state: 'x' } }),
};

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [ThingsController, HealthController, MetricsController],
  providers: [
    { provide: PG_POOL, useValue: { query: async () => ({ rows: [] }) } },
    {
      provide: ReadinessRegistry,
      useFactory: () => {
        const registry = new ReadinessRegistry();
        registry.register(consumer);
        return registry;
      },
    },
    { provide: APP_FILTER, useClass: RequestValidationFilter },
    { provide: APP_FILTER, useClass: MalformedRequestFilter },
    { provide: APP_INTERCEPTOR, useClass: ServiceUnavailableInterceptor },
    { provide: APP_FILTER, useClass: domainErrorFilter(ThingError, { THING_GONE: 409 }) },
  ],
})
class ThingsModule {}

type Adapter = HttpAdapterName;
const adapters: Adapter[] = ['express', 'fastify'];
const apps = new Map<Adapter, INestApplication>();

beforeAll(async () => {
  startTracing('http-adapters-test', {});
  for (const adapter of adapters) {
    const app = await createHttpApp({ module: ThingsModule }, adapter, { logger: false });
    await app.init();
    if (adapter === 'fastify') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
    apps.set(adapter, app);
  }
});
afterAll(async () => {
  for (const app of apps.values()) await app.close();
});

interface Answer {
  status: number;
  contentType: string;
  retryAfter: string | undefined;
  placed: string | undefined;
  body: unknown;
}

const injectInto = (adapter: Adapter, request: InjectOptions) => injectRequest(apps.get(adapter)!, adapter, request);

async function send(adapter: Adapter, request: InjectOptions): Promise<Answer> {
  const response = await injectInto(adapter, request);
  let body: unknown = response.payload;
  try {
    body = JSON.parse(response.payload);
  } catch {
    // not JSON: compared as text
  }
  const header = (name: string) => response.headers[name]?.toString();
  return {
    status: response.statusCode,
    contentType: header('content-type') ?? '',
    retryAfter: header('retry-after'),
    placed: header('thing-placed'),
    body,
  };
}

/** Both adapters' answers to `request`: equal, and returned for the case's own expectations. */
async function bothAnswer(request: InjectOptions): Promise<Answer> {
  const [express, fastify] = await Promise.all(adapters.map((adapter) => send(adapter, request)));
  expect(fastify).toEqual(express);
  return express!;
}

const json = (body: string | Buffer, headers: Record<string, string> = {}): InjectOptions => ({
  method: 'POST',
  url: '/things',
  headers: { 'content-type': 'application/json', ...headers },
  payload: body,
});
const get = (url: string): InjectOptions => ({ method: 'GET', url });
const post = (url: string): InjectOptions => ({ method: 'POST', url });
const valid = JSON.stringify({ name: 'a thing', count: 2 });
const refused = (status: number, code: string, naming?: string) => ({
  status,
  contentType: expect.stringMatching(/^application\/json/),
  body: expect.objectContaining({
    statusCode: status,
    code,
    message: naming ? expect.stringContaining(naming) : expect.stringMatching(/\S/),
  }),
});
const id = '0b5f3a7e-2c4d-4e8f-9a1b-3c5d7e9f1a2b';

describe('Express and Fastify answer alike', () => {
  it('accepts a valid body, with the header the controller set through the adapter', async () => {
    expect(await bothAnswer(json(valid))).toMatchObject({
      status: 201,
      placed: 'yes',
      body: { name: 'a thing', count: 2 },
    });
  });

  it('inflates a gzip body and reads a JSON body whatever the case of its UTF-8 charset', async () => {
    expect(await bothAnswer(json(gzipSync(valid), { 'content-encoding': 'gzip' }))).toMatchObject({ status: 201 });
    expect(await bothAnswer(json(valid, { 'content-type': 'application/json; charset=UTF-8' }))).toMatchObject({
      status: 201,
    });
  });

  it.each([
    ['malformed JSON', json('{"name": "a thing",'), refused(400, 'INVALID_REQUEST', 'JSON')],
    ['a JSON string, not an object', json('"a thing"'), refused(400, 'INVALID_REQUEST')],
    ['a JSON array', json('[1, 2]'), refused(400, 'INVALID_REQUEST', 'body')],
    ['an empty JSON body', json(''), refused(400, 'INVALID_REQUEST', 'body')],
    ['an unknown field', json('{"name":"a","count":1,"colour":"red"}'), refused(400, 'INVALID_REQUEST', 'colour')],
    [
      'a "__proto__" key',
      json('{"name":"a","count":1,"__proto__":{"admin":true}}'),
      refused(400, 'INVALID_REQUEST', 'Unrecognized key'),
    ],
    [
      'bytes that are not UTF-8',
      json(Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('","count":1}')])),
      refused(400, 'INVALID_REQUEST', 'body.name'),
    ],
    ['a wrong type', json('{"name":"a","count":"1"}'), refused(400, 'INVALID_REQUEST', 'body.count')],
    ['text/plain', json(valid, { 'content-type': 'text/plain' }), refused(400, 'INVALID_REQUEST', 'body')],
    ['no content type', { ...post('/things'), payload: valid }, refused(400, 'INVALID_REQUEST')],
    ['a form', json(valid, { 'content-type': 'application/x-www-form-urlencoded' }), refused(400, 'INVALID_REQUEST')],
    ['application/jsonx', json(valid, { 'content-type': 'application/jsonx' }), refused(400, 'INVALID_REQUEST')],
    ['multipart', json(valid, { 'content-type': 'multipart/form-data; boundary=x' }), refused(400, 'INVALID_REQUEST')],
    [
      'a latin1 charset',
      json(valid, { 'content-type': 'application/json; charset=latin1' }),
      refused(415, 'UNSUPPORTED_MEDIA_TYPE', 'LATIN1'),
    ],
    [
      'an unknown UTF charset',
      json(valid, { 'content-type': 'application/json; charset=utf-9' }),
      refused(415, 'UNSUPPORTED_MEDIA_TYPE'),
    ],
    [
      'a body that claims gzip but is not',
      json(valid, { 'content-encoding': 'gzip' }),
      refused(400, 'INVALID_REQUEST', 'unreadable body'),
    ],
    [
      'an unknown content encoding',
      json(valid, { 'content-encoding': 'x-unknown' }),
      refused(415, 'UNSUPPORTED_MEDIA_TYPE', 'x-unknown'),
    ],
    [
      'a body over 100 kB',
      json(JSON.stringify({ name: 'x'.repeat(100 * 1024), count: 1 })),
      refused(413, 'PAYLOAD_TOO_LARGE'),
    ],
    ['a path parameter that is not a UUID', get('/things/42'), refused(400, 'INVALID_REQUEST', 'id')],
    ['a long path parameter', get(`/things/${'a'.repeat(2_000)}`), refused(400, 'INVALID_REQUEST')],
    ['a broken %-escape in the path', get('/things/%ff'), refused(400, 'INVALID_REQUEST')],
    ['a lone % in the path', get('/things/%'), refused(400, 'INVALID_REQUEST')],
    ['an unknown query parameter', get('/things?colour=red'), refused(400, 'INVALID_REQUEST')],
    ['a repeated query parameter', get('/things?limit=1&limit=2'), refused(400, 'INVALID_REQUEST')],
    ['a domain error', post(`/things/${id}/gone`), refused(409, 'THING_GONE', 'gone')],
    ['a dependency away', get(`/things/${id}/away`), refused(503, 'SERVICE_UNAVAILABLE')],
  ])('%s', async (_name, request, expected) => {
    expect(await bothAnswer(request)).toMatchObject(expected);
  });

  it('serves /health (200, then 503 naming what is not ready) and /metrics', async () => {
    expect(await bothAnswer(get('/health'))).toMatchObject({
      status: 200,
      body: { status: 'ok', details: { database: { status: 'up' }, consumer: { status: 'up' } } },
    });
    consumer.ready = false;
    try {
      expect(await bothAnswer(get('/health/ready'))).toMatchObject({
        status: 503,
        body: { status: 'error', error: { consumer: { status: 'down', state: 'x' } } },
      });
    } finally {
      consumer.ready = true;
    }
    const metrics = await Promise.all(adapters.map((adapter) => injectInto(adapter, get('/metrics'))));
    for (const response of metrics) {
      expect(response.statusCode).toBe(200);
      // Express reorders the parameters (`text/plain; charset=utf-8; version=0.0.4`): the same type to Prometheus.
      expect(response.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
      expect(response.payload).toContain('orderflow_http_requests_total');
    }
  });

  it('says in /health/live which adapter it runs on (the one thing they do not answer alike)', async () => {
    for (const adapter of adapters) {
      const { body } = await send(adapter, get('/health/live'));
      expect(body).toMatchObject({ status: 'ok', node: process.version, httpAdapter: adapter });
    }
  });

  it('answers an unknown route 404 the same way', async () => {
    expect(await bothAnswer(get('/nothing/here'))).toMatchObject({
      status: 404,
      body: { statusCode: 404, message: 'Cannot GET /nothing/here' },
    });
  });

  it('asks a client to come back when a dependency is away', async () => {
    expect(await bothAnswer(get(`/things/${id}/away`))).toMatchObject({ retryAfter: '5' });
  });

  it('routes as Express does: any case, a trailing slash, a query kept as text', async () => {
    expect(await bothAnswer(get(`/THINGS/${id}/`))).toMatchObject({ status: 200, body: { id } });
    expect(await bothAnswer(get('/things?tag=%ff&limit=2'))).toMatchObject({
      status: 200,
      body: { query: { tag: '\uFFFD', limit: 2 } },
    });
  });

  it('makes the caller’s trace the parent of the span the handler runs in, after reading the body', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    for (const adapter of adapters) {
      const response = await injectInto(adapter, json(valid, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` }));
      expect(response.headers['trace-id']).toBe(traceId);
    }
  });

  it('counts requests by route template and status, an unroutable path as unmatched', async () => {
    const count = async (labels: { method: string; route: string; status: string }) =>
      (await httpRequests.get()).values.find(
        (v) =>
          v.labels.method === labels.method && v.labels.route === labels.route && v.labels.status === labels.status,
      )?.value ?? 0;
    const one = { method: 'GET', route: '/things/:id', status: '200' };
    const bad = { method: 'GET', route: 'unmatched', status: '400' };
    const [oneBefore, badBefore] = [await count(one), await count(bad)];
    await bothAnswer(get(`/things/${id}`));
    await bothAnswer(get('/things/%ff'));
    expect(await count(one)).toBe(oneBefore + 2);
    expect(await count(bad)).toBe(badBefore + 2);
    const routes = new Set((await httpRequests.get()).values.map((v) => v.labels.route));
    expect([...routes].filter((route) => typeof route === 'string' && route.includes(id))).toEqual([]);
  });
});
