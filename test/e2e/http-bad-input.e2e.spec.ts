import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import fc, { type JsonValue } from 'fast-check';
import { Pool } from 'pg';
import { loadStackConfig, type ServiceName } from '../../infra/src/config/stack.config';

/**
 * Bad HTTP input, generated: fast-check throws malformed requests at every
 * endpoint of the running services — wrong types, out-of-range numbers, huge
 * arrays and bodies, unknown and missing fields, bytes that are not UTF-8,
 * SQL and script strings where a format is expected, wrong content types — and
 * each must be refused with a 4xx and `{ statusCode, code, message }`, never a
 * 5xx or a 2xx, and write nothing.
 *
 * "Nothing written" is counted on this file's own rows only, so other tests
 * writing at the same time cannot disturb it: every body sent carries `tag`
 * (in its customer id, email and sku, and in its Idempotency-Key), and the
 * rows whose envelope, payload or key holds the tag are counted before and
 * after. A bad request that got through would add one.
 */
const stack = loadStackConfig();
const tag = `badinput${randomUUID().replace(/-/g, '')}`;
const runs = (numRuns: number) => ({ numRuns, interruptAfterTimeLimit: 15_000 });

// ---- a raw HTTP client: invalid bytes, any content type, no help from fetch ----

interface Answer {
  status: number;
  contentType: string;
  body: unknown;
}

interface RawRequest {
  method?: 'GET' | 'POST';
  /** Sent as it is: callers percent-encode (or deliberately mis-encode) it. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function send(service: ServiceName, req: RawRequest): Promise<Answer> {
  const { hostname, port } = new URL(stack.services[service].url);
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = request(
      { agent, hostname, port, method: req.method ?? 'GET', path: req.path, headers: req.headers, timeout: 10_000 },
      (incoming) => {
        answered = true;
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: incoming.statusCode ?? 0,
            contentType: incoming.headers['content-type'] ?? '',
            body: parseJson(text),
          });
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer to ${req.method ?? 'GET'} ${req.path}`)));
    // A server may answer (413) and stop reading before the whole body is sent: the answer is what counts.
    outgoing.on('error', (error) => answered || reject(error));
    outgoing.end(req.body);
  });
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** Percent-encodes every byte but the unreserved ones, as a client building a URL would. */
const encode = (text: string | Uint8Array) =>
  Array.from(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, (byte) =>
    /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).padStart(2, '0')}`,
  ).join('');

/** Pairs already encoded (so a test can put broken %-escapes in them) joined into a query string. */
const queryOf = (pairs: readonly (readonly [string, string])[]) =>
  pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`;

// ---- what every refusal must look like ----

function expectRefused(answer: Answer, expected: { status?: number[]; code?: string[]; naming?: string[] } = {}) {
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expect(answer.status).toBeLessThan(500);
  if (expected.status) expect(expected.status).toContain(answer.status);
  expect(answer.contentType).toMatch(/^application\/json/);
  expect(answer.body).toMatchObject({
    statusCode: answer.status,
    code: expect.stringMatching(/^[A-Z_]+$/),
    message: expect.stringMatching(/\S/),
  });
  const { code, message } = answer.body as { code: string; message: string };
  if (expected.code) expect(expected.code).toContain(code);
  for (const field of expected.naming ?? []) expect(message).toContain(field);
}

// ---- rows this file could have written ----

const ordersDb = new Pool({ connectionString: stack.postgres.databases.orders.url, max: 2 });

async function rowsHolding(marker: string) {
  const { rows } = await ordersDb.query<{ events: number; keys: number; outbox: number }>(
    `SELECT (SELECT count(*) FROM order_events WHERE envelope::text LIKE $1)::int AS events,
            (SELECT count(*) FROM idempotency_keys WHERE key LIKE $1)::int AS keys,
            (SELECT count(*) FROM outbox WHERE payload::text LIKE $1)::int AS outbox`,
    [`%${marker}%`],
  );
  return rows[0]!;
}

async function expectNothingWritten(work: () => Promise<void>) {
  const before = await rowsHolding(tag);
  await work();
  expect(await rowsHolding(tag)).toEqual(before);
}

// ---- orders: the bodies ----

type Path = readonly (string | number)[];
type Json = JsonValue;

const aValidOrder = (): { [key: string]: Json } => ({
  customerId: tag,
  customerEmail: `${tag}@example.com`,
  currency: 'EUR',
  items: [{ sku: `${tag}-sku`, quantity: 1, unitPriceCents: 100 }],
});

/** A copy of `value` with `path` set to `replacement` (or removed, for `undefined`). */
function withAt(value: Json, path: Path, replacement: Json | undefined): Json {
  if (path.length === 0) return replacement ?? null;
  const copy = structuredClone(value);
  let node = copy as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (replacement === undefined) delete node[last];
  else node[last] = replacement;
  return copy;
}

let keysSent = 0;
/** POST /orders with `body` as bytes; an Idempotency-Key holding the tag unless the test sets its own. */
const postOrder = (body: string | Uint8Array, headers: Record<string, string> = {}) =>
  send('orders', {
    method: 'POST',
    path: '/orders',
    headers: { 'content-type': 'application/json', 'idempotency-key': `${tag}-${++keysSent}`, ...headers },
    body,
  });

/** The JSON text of `order` with the `"~RAW~"` placeholder replaced by bytes or text that JSON.stringify cannot make. */
const spliced = (order: Json, raw: string | Uint8Array) => {
  const [before, after] = JSON.stringify(order).split('"~RAW~"') as [string, string];
  return Buffer.concat([Buffer.from(before), Buffer.from(raw), Buffer.from(after)]);
};

/** The JSON text of `order` with one more key, made of the tag and `bytes`. */
function keyed(order: Json, bytes: Uint8Array) {
  const text = JSON.stringify(order);
  return Buffer.concat([Buffer.from(`${text.slice(0, -1)},"${tag}`), bytes, Buffer.from('":1}')]);
}

const small = fc.jsonValue({ maxDepth: 2 });
const notAString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(small, { maxLength: 3 }),
  fc.dictionary(fc.string(), small, { maxKeys: 3 }),
);
const notANumber = fc.oneof(
  fc.integer({ min: 1, max: 100 }).map(String),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string(), small, { maxKeys: 3 }),
);
const notAnArray = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.dictionary(fc.string(), small),
);
const notAnObject = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(small, { maxLength: 3 }),
);

/** Strings a careless server would run or render; where a format is expected they are simply not that format. */
const hostile = fc.oneof(
  fc.constantFrom(
    "' OR '1'='1",
    "'; DROP TABLE order_events; --",
    '1; SELECT pg_sleep(5)',
    "1' UNION SELECT key, order_id::text, request_hash FROM idempotency_keys --",
    '" OR ""="',
    '$1',
    "%' --",
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    'javascript:alert(1)',
    '{{7*7}}',
    '${7*7}',
    '../../../../etc/passwd',
    '\u202egnp.exe',
  ),
  fc
    .tuple(fc.string({ maxLength: 8 }), fc.constantFrom("'", '"', ';--', '<script>', '</', '${', '\\'), fc.string())
    .map((parts) => parts.join('')),
);

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Not a UUID by any reading; encoded for a URL. */
const notAUuid = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 60 }),
    hostile,
    fc.integer().map(String),
    fc.uuid().map((id) => id.replace(/-/g, '')),
    fc.uuid().map((id) => id.slice(0, -1)),
    fc.uuid().map((id) => `{${id}}`),
    fc.tuple(fc.uuid(), fc.string({ minLength: 1, maxLength: 5 })).map(([id, junk]) => id + junk),
    fc.tuple(fc.string({ minLength: 1, maxLength: 5 }), fc.uuid()).map(([junk, id]) => junk + id),
    fc.string({ minLength: 300, maxLength: 2_000 }),
  )
  .filter((s) => !uuidShape.test(s.trim()))
  .map(encode);
/** Escapes that decode to a NUL or to bytes that are not UTF-8, or do not decode at all. */
const brokenEscapes = fc.constantFrom('%', '%zz', '%f', '%ff', '%00', 'a%00b', '%ed%a0%80', '%c0%af', '%e2%82');

/** Byte sequences no UTF-8 decoder accepts: stray continuation bytes, overlong forms, surrogates, past U+10FFFF, cut short. */
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const isInvalidUtf8 = (bytes: Uint8Array) => {
  try {
    fatalUtf8.decode(bytes);
    return false;
  } catch {
    return true;
  }
};
const invalidUtf8 = fc.oneof(
  fc
    .constantFrom(
      [0xff],
      [0xfe],
      [0x80],
      [0xc0, 0xaf],
      [0xe0, 0x80, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
    )
    .map((bytes) => Uint8Array.from(bytes)),
  fc.constantFrom([0xe2, 0x82], [0xf0, 0x9f, 0x98]).map((bytes) => Uint8Array.from(bytes)),
  fc.uint8Array({ min: 0x80, minLength: 1, maxLength: 8 }).filter(isInvalidUtf8),
);

describe('bad HTTP input, generated', () => {
  let control: { id: string; tag: string };

  beforeAll(async () => {
    // One real order, under a tag of its own: the target of the malformed cancel/ship ids below.
    const controlTag = `badinputctl${randomUUID().replace(/-/g, '')}`;
    const answer = await postOrder(
      JSON.stringify({
        customerId: controlTag,
        customerEmail: `${controlTag}@example.com`,
        currency: 'EUR',
        items: [{ sku: 'CONTROL-1', quantity: 1, unitPriceCents: 100 }],
      }),
      { 'idempotency-key': `${controlTag}-1` },
    );
    expect(answer.status).toBe(201);
    control = { id: (answer.body as { id: string }).id, tag: controlTag };
  });

  afterAll(async () => {
    agent.destroy();
    await ordersDb.end();
  });

  it('sees a write when there is one (the counter the other tests rely on)', async () => {
    expect(await rowsHolding(control.tag)).toMatchObject({ events: 1, keys: 1 });
    expect(await rowsHolding(tag)).toEqual({ events: 0, keys: 0, outbox: 0 });
  });

  describe('POST /orders', () => {
    it('refuses a field of the wrong type with 400 naming it', async () => {
      const wrongType = fc.oneof(
        fc.record({
          path: fc.constantFrom<Path>(['customerId'], ['customerEmail'], ['currency'], ['items', 0, 'sku']),
          value: notAString,
        }),
        fc.record({
          path: fc.constantFrom<Path>(['items', 0, 'quantity'], ['items', 0, 'unitPriceCents']),
          value: notANumber,
        }),
        fc.record({ path: fc.constant<Path>(['items']), value: notAnArray }),
        fc.record({ path: fc.constant<Path>(['items', 0]), value: notAnObject }),
      );
      await expectNothingWritten(() =>
        fc.assert(
          fc.asyncProperty(wrongType, async ({ path, value }) => {
            const answer = await postOrder(JSON.stringify(withAt(aValidOrder(), path, value)));
            expectRefused(answer, { status: [400], code: ['INVALID_REQUEST'], naming: [['body', ...path].join('.')] });
          }),
          runs(100),
        ),
      );
    });

    it('refuses a body that is not an object', async () => {
      await expectNothingWritten(() =>
        fc.assert(
          fc.asyncProperty(notAnObject, async (body) => {
            expectRefused(await postOrder(JSON.stringify(body)), { status: [400], code: ['INVALID_REQUEST'] });
          }),
          runs(40),
        ),
      );
    });

    it('refuses a zero, negative, fractional or huge quantity or price with 400 naming it', async () => {
      const outOfRange = (min: number, max: number) =>
        fc.oneof(
          fc.integer({ max: min - 1 }).map(String),
          fc.integer({ min: max + 1 }).map(String),
          fc.bigInt({ min: 2n ** 53n, max: 10n ** 30n }).map(String),
          fc.double({ min: -1e6, max: 1e6, noInteger: true, noNaN: true }).map(String),
          fc.constantFrom('-0', '1e400', '-1e400', '1e21', '0.5', '1.0000000000000002'),
        );
      const badNumber = fc.oneof(
        fc.record({ field: fc.constant('quantity'), raw: outOfRange(1, 10_000) }),
        fc.record({ field: fc.constant('unitPriceCents'), raw: outOfRange(1, 100_000_000) }),
      );
      const lines = fc.integer({ min: 1, max: 5 });
      await expectNothingWritten(() =>
        fc.assert(
          fc.asyncProperty(badNumber, lines, fc.nat(4), async ({ field, raw }, count, at) => {
            const line = { sku: `${tag}-sku`, quantity: 1, unitPriceCents: 100 };
            const index = at % count;
            const items = Array.from({ length: count }, (_, i) => (i === index ? { ...line, [field]: '~RAW~' } : line));
            const answer = await postOrder(spliced({ ...aValidOrder(), items }, raw));
            expectRefused(answer, {
              status: [400],
              code: ['INVALID_REQUEST'],
              naming: [`body.items.${index}.${field}`],
            });
          }),
          runs(100),
        ),
      );
    });

    it('refuses more than 100 lines (400) or a body past the size limit (413)', async () => {
      const line = { sku: `${tag}-sku`, quantity: 1, unitPriceCents: 100 };
      await expectNothingWritten(() =>
        fc.assert(
          fc.asyncProperty(fc.integer({ min: 101, max: 5_000 }), async (count) => {
            const answer = await postOrder(JSON.stringify({ ...aValidOrder(), items: Array(count).fill(line) }));
            expectRefused(answer, { status: [400, 413] });
            if (answer.status === 400) expectRefused(answer, { code: ['INVALID_REQUEST'], naming: ['body.items'] });
            else expectRefused(answer, { code: ['PAYLOAD_TOO_LARGE'] });
          }),
          runs(20),
        ),
      );
    });

    it('refuses a huge or deeply nested body with 413 or 400, whether its length is declared or chunked', async () => {
      // Sizes, not bodies, are generated: a failure then reports a number, not a megabyte.
      const huge = fc.oneof(
        fc.record({ shape: fc.constant('long' as const), size: fc.integer({ min: 100 * 1024, max: 1_000_000 }) }),
        fc.record({ shape: fc.constant('deep' as const), size: fc.integer({ min: 1_000, max: 60_000 }) }),
      );
      // Built as text: JSON.stringify itself would run out of stack this deep.
      const bodyOf = ({ shape, size }: { shape: 'long' | 'deep'; size: number }) =>
        shape === 'long'
          ? JSON.stringify({ ...aValidOrder(), customerId: tag + 'x'.repeat(size) })
          : spliced(
              withAt(aValidOrder(), ['items', 0, 'sku'], '~RAW~'),
              `${'['.repeat(size)}"${tag}"${']'.repeat(size)}`,
            );
      await expectNothingWritten(() =>
        fc.assert(
          fc.asyncProperty(huge, fc.boolean(), async (huge, chunked) => {
            const answer = await postOrder(bodyOf(huge), chunked ? { 'transfer-encoding': 'chunked' } : {});
            expectRefused(answer, { status: [400, 413], code: ['INVALID_REQUEST', 'PAYLOAD_TOO_LARGE'] });
          }),
          runs(20),
        ),
      );
    });

    it('refuses a field it does not know, at the top or in a line', async () => {
      const top = ['customerId', 'customerEmail', 'currency', 'items'];
      const inLine = ['sku', 'quantity', 'unitPriceCents'];
      const unknownKey = fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom(
          '__proto__',
          'constructor',
          'prototype',
          'id',
          'status',
          'totalCents',
          'version',
          'customerid',
          'customerId ',
        ),
      );
      const extra = fc.record({ where: fc.constantFrom('top', 'line'), key: unknownKey, value: small });
      await expectNothingWritten(() =>
        fc.assert(
          fc.asyncProperty(
            extra.filter(({ where, key }) => !(where === 'top' ? top : inLine).includes(key)),
            async ({ where, key, value }) => {
              const order = aValidOrder();
              // fromEntries defines the key as data, so even `__proto__` is sent as a field.
              const withKey = (o: object) => Object.fromEntries([...Object.entries(o), [key, value]]) as Json;
              const body =
                where === 'top'
                  ? withKey(order)
                  : { ...order, items: [withKey((order.items as { [key: string]: Json }[])[0]!)] };
              const answer = await postOrder(JSON.stringify(body));
              expectRefused(answer, {
                status: [400],
                code: ['INVALID_REQUEST'],
                naming: [where === 'top' ? 'body' : 'body.items.0', 'Unrecognized key'],
              });
            },
          ),
          runs(80),
        ),
      );
    });

    it('refuses a body missing required fields with 400 naming each', async () => {
      const required: Path[] = [
        ['customerId'],
        ['customerEmail'],
        ['currency'],
        ['items'],
        ['items', 0, 'sku'],
        ['items', 0, 'quantity'],
        ['items', 0, 'unitPriceCents'],
      ];
      await expectNothingWritten(() =>
        fc.assert(
          fc.asyncProperty(fc.subarray(required, { minLength: 1 }), async (missing) => {
            const itemsGone = missing.some((p) => p.length === 1 && p[0] === 'items');
            const body = missing
              .filter((p) => !(itemsGone && p.length > 1))
              .reduce<Json>((order, path) => withAt(order, path, undefined), aValidOrder());
            const named = missing.filter((p) => !(itemsGone && p.length > 1)).map((p) => ['body', ...p].join('.'));
            expectRefused(await postOrder(JSON.stringify(body)), {
              status: [400],
              code: ['INVALID_REQUEST'],
              naming: named,
            });
          }),
          runs(60),
        ),
      );
    });

    it('refuses bytes that are not UTF-8, in a value or in a key', async () => {
      const where = fc.constantFrom<Path | 'a key'>(
        ['customerId'],
        ['customerEmail'],
        ['currency'],
        ['items', 0, 'sku'],
        'a key',
      );
      await expectNothingWritten(() =>
        fc.assert(
          fc.asyncProperty(where, invalidUtf8, async (where, bytes) => {
            const inText = Buffer.concat([Buffer.from(`"${tag}`), bytes, Buffer.from('"')]);
            const answer = await postOrder(
              where === 'a key' ? keyed(aValidOrder(), bytes) : spliced(withAt(aValidOrder(), where, '~RAW~'), inText),
            );
            expectRefused(answer, {
              status: [400],
              code: ['INVALID_REQUEST'],
              naming: where === 'a key' ? ['Unrecognized key'] : [['body', ...where].join('.')],
            });
          }),
          runs(80),
        ),
      );
    });

    it('refuses text a database cannot hold (NUL, unpaired surrogates), sent as JSON escapes', async () => {
      const escape = fc.constantFrom('\\u0000', '\\ud800', '\\udfff', '\\ud83d', 'a\\u0000b', '\\udc00\\ud800');
      const where = fc.constantFrom<Path>(['customerId'], ['items', 0, 'sku']);
      await expectNothingWritten(() =>
        fc.assert(
          fc.asyncProperty(where, escape, async (path, text) => {
            const answer = await postOrder(spliced(withAt(aValidOrder(), path, '~RAW~'), `"${tag}${text}"`));
            expectRefused(answer, { status: [400], code: ['INVALID_REQUEST'], naming: [['body', ...path].join('.')] });
          }),
          runs(30),
        ),
      );
    });

    it('refuses SQL and script strings where an email or a currency is expected', async () => {
      const field = fc.constantFrom<Path>(['customerEmail'], ['currency']);
      await expectNothingWritten(() =>
        fc.assert(
          fc.asyncProperty(field, hostile, async (path, text) => {
            const answer = await postOrder(JSON.stringify(withAt(aValidOrder(), path, text)));
            expectRefused(answer, { status: [400], code: ['INVALID_REQUEST'], naming: [['body', ...path].join('.')] });
          }),
          runs(60),
        ),
      );
    });

    it('keeps SQL and script strings in free-text fields as the data they are (201, read back verbatim)', async () => {
      // Not bad input: a customer id or sku may hold quotes and angle brackets. What
      // must not happen is that they run, or come back changed.
      const freeTag = `badinputfree${randomUUID().replace(/-/g, '')}`;
      let placedOrders = 0;
      await fc.assert(
        fc.asyncProperty(hostile, hostile, async (inId, inSku) => {
          const customerId = `${freeTag} ${inId}`.trim();
          const sku = inSku.trim().slice(0, 100).trim() || '-';
          const order = {
            ...aValidOrder(),
            customerId,
            customerEmail: `${freeTag}@example.com`,
            items: [{ sku, quantity: 1, unitPriceCents: 100 }],
          };
          const placed = await postOrder(JSON.stringify(order), { 'idempotency-key': `${freeTag}-${++keysSent}` });
          expect(placed).toMatchObject({ status: 201 });
          placedOrders++;
          const read = await send('orders', { path: `/orders/${(placed.body as { id: string }).id}` });
          expect(read.body).toMatchObject({ customerId, items: [{ sku }] });
        }),
        runs(10),
      );
      expect((await rowsHolding(freeTag)).events).toBe(placedOrders);
    });

    it('refuses a valid order sent as anything but JSON (400 or 415)', async () => {
      const contentType = fc.oneof(
        fc.constantFrom(
          'text/plain',
          'text/html',
          'application/xml',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/octet-stream',
          'application/jsonx',
          'image/png',
        ),
        fc
          .constantFrom('latin1', 'iso-8859-1', 'windows-1252', 'klingon', 'utf-9')
          .map((cs) => `application/json; charset=${cs}`),
        fc.constant(''),
      );
      const encoding = fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'compress', 'x-unknown'), { nil: undefined });
      await expectNothingWritten(() =>
        fc.assert(
          fc.asyncProperty(contentType, encoding, async (type, contentEncoding) => {
            // The body is a valid order: only its labels are wrong. Had it been read as one, it would have been written.
            const headers: Record<string, string> = { 'content-type': type };
            if (contentEncoding) headers['content-encoding'] = contentEncoding;
            if (type === '') delete headers['content-type'];
            const answer = await send('orders', {
              method: 'POST',
              path: '/orders',
              headers: { 'idempotency-key': `${tag}-${++keysSent}`, ...headers },
              body: JSON.stringify(aValidOrder()),
            });
            expectRefused(answer, { status: [400, 415] });
          }),
          runs(60),
        ),
      );
    });

    it('refuses an empty or over-long Idempotency-Key with 400 naming it', async () => {
      const badKey = fc.oneof(
        fc.constantFrom('', ' ', '\t', ' \t  '),
        fc.string({ minLength: 201, maxLength: 4_000 }).filter((key) => key.trim().length > 200),
      );
      await expectNothingWritten(() =>
        fc.assert(
          fc.asyncProperty(badKey, async (key) => {
            const answer = await postOrder(JSON.stringify(aValidOrder()), { 'idempotency-key': key });
            expectRefused(answer, { status: [400], code: ['INVALID_REQUEST'], naming: ['Idempotency-Key'] });
          }),
          runs(50),
        ),
      );
    });
  });

  it('GET /orders refuses a bad limit, status, customerId or cursor, an unknown or repeated parameter', async () => {
    const validLimit = (text: string) => Number.isInteger(Number(text)) && Number(text) >= 1 && Number(text) <= 200;
    const statuses = ['PENDING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'CANCELLED'];
    const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const pair = (key: string, value: fc.Arbitrary<string>) => value.map((v) => [[key, v]] as [string, string][]);
    const badQuery = fc.oneof(
      pair(
        'limit',
        fc
          .oneof(fc.string(), hostile, fc.integer().map(String), fc.double().map(String))
          .filter((s) => !validLimit(s))
          .map(encode),
      ),
      pair(
        'status',
        fc
          .oneof(fc.string(), hostile)
          .filter((s) => !statuses.includes(s))
          .map(encode),
      ),
      pair('customerId', fc.constantFrom('', '%00', 'a%00b', '%ff', '%ed%a0%80', '%c0%af')),
      pair(
        'cursor',
        fc
          .oneof(
            fc.string(),
            hostile,
            small.map(base64url),
            fc.tuple(fc.string(), fc.string()).map(base64url),
            fc
              .tuple(
                fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
                fc.string(),
              )
              .map(base64url),
            fc.tuple(fc.string(), fc.uuid()).map(base64url),
          )
          .map(encode),
      ),
      fc
        .tuple(
          fc.string().filter((k) => !['status', 'customerId', 'limit', 'cursor'].includes(k)),
          fc.string(),
        )
        .map(([k, v]) => [[encode(k), encode(v)]] as [string, string][]),
      fc.constantFrom<[string, string][]>(
        [
          ['limit', '10'],
          ['limit', '20'],
        ],
        [
          ['status', 'CONFIRMED'],
          ['status', 'SHIPPED'],
        ],
        [
          ['customerId', 'a'],
          ['customerId', 'b'],
        ],
      ),
    );
    await fc.assert(
      fc.asyncProperty(badQuery, async (pairs) => {
        const answer = await send('orders', { path: `/orders${queryOf(pairs)}` });
        expectRefused(answer, { status: [400], code: ['INVALID_REQUEST', 'INVALID_CURSOR'] });
      }),
      runs(100),
    );
  });

  it('refuses an id that is not a UUID at every /orders/:id and /payments/:orderId route, and changes no order', async () => {
    const routes = fc.constantFrom(
      { service: 'orders' as const, method: 'GET' as const, path: (id: string) => `/orders/${id}` },
      { service: 'orders' as const, method: 'GET' as const, path: (id: string) => `/orders/${id}/events` },
      { service: 'orders' as const, method: 'POST' as const, path: (id: string) => `/orders/${id}/cancel` },
      { service: 'orders' as const, method: 'POST' as const, path: (id: string) => `/orders/${id}/ship` },
      { service: 'payments' as const, method: 'GET' as const, path: (id: string) => `/payments/${id}` },
    );
    // Ids that hold a real order's id and more: a server that matched loosely would act on that order.
    const nearControl = fc
      .oneof(
        fc.string({ minLength: 1, maxLength: 5 }).map((junk) => control.id + junk),
        fc.string({ minLength: 1, maxLength: 5 }).map((junk) => junk + control.id),
        hostile.map((text) => control.id + text),
        fc.constant(control.id.replace(/-/g, '')),
      )
      .filter((s) => !uuidShape.test(s.trim()))
      .map(encode);
    const customerActions = async () => {
      const { rows } = await ordersDb.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM order_events
          WHERE order_id = $1 AND (type = 'OrderShipped' OR envelope->'payload'->>'cause' = 'CUSTOMER_REQUEST')`,
        [control.id],
      );
      return rows[0]!.n;
    };

    const before = await customerActions();
    await fc.assert(
      fc.asyncProperty(routes, fc.oneof(notAUuid, brokenEscapes, nearControl), async (route, id) => {
        const answer = await send(route.service, { method: route.method, path: route.path(id) });
        expectRefused(answer, { status: [400], code: ['INVALID_REQUEST'] });
      }),
      runs(100),
    );
    expect(await customerActions()).toBe(before);
  });

  it('GET /emails refuses a missing, malformed or repeated orderId, or an unknown parameter', async () => {
    const badQuery = fc.oneof(
      fc.constant<[string, string][]>([]),
      fc.oneof(notAUuid, brokenEscapes).map((id) => [['orderId', id]] as [string, string][]),
      fc.tuple(fc.uuid(), fc.uuid()).map(
        ([a, b]) =>
          [
            ['orderId', a],
            ['orderId', b],
          ] as [string, string][],
      ),
      fc
        .tuple(
          fc.uuid(),
          fc.string().filter((k) => k !== 'orderId'),
          fc.string(),
        )
        .map(
          ([id, k, v]) =>
            [
              ['orderId', id],
              [encode(k), encode(v)],
            ] as [string, string][],
        ),
    );
    await fc.assert(
      fc.asyncProperty(badQuery, async (pairs) => {
        const answer = await send('email', { path: `/emails${queryOf(pairs)}` });
        expectRefused(answer, { status: [400], code: ['INVALID_REQUEST'] });
      }),
      runs(80),
    );
  });
});
