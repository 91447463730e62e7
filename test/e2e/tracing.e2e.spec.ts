import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type ServiceName, loadStackConfig, serviceNames } from '../../infra/src/config/stack.config';
import { anOrderRequest, orderRequest, postOrder } from '../support/orders.client';
import { restartServiceWith } from '../support/service.restart';
import { waitUntil } from '../support/wait-until';

/**
 * One order's saga is one trace across the three services: the trace id the
 * client sends with POST /orders is on the request's span, on every consumer
 * span and email send after it (through the outbox, Debezium's `traceparent`
 * header and the email queue), and on every log line those write. The
 * services export their spans (OTLP/HTTP JSON) to a receiver this test runs;
 * they are restarted with the endpoint and restarted again without it after.
 * The native stack's services and their logs (.data/logs) are what it reads.
 */
const config = loadStackConfig();

interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
}

/** The smallest OTLP/HTTP trace receiver: keeps every span it is sent. */
function startReceiver(spans: ReceivedSpan[]): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      type Otlp = {
        resourceSpans?: {
          resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
          scopeSpans?: { spans?: Omit<ReceivedSpan, 'service'>[] }[];
        }[];
      };
      const parsed = JSON.parse(body || '{}') as Otlp;
      for (const rs of parsed.resourceSpans ?? []) {
        const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
        for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ ...s, service });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const restartAll = async (env: Record<string, string>) => {
  for (const name of serviceNames) await restartServiceWith(config, name, env);
};

const logLinesWith = (service: ServiceName, traceId: string) =>
  readFileSync(path.join(config.dataDir, 'logs', `${service}.log`), 'utf8')
    .split('\n')
    .filter((line) => line.includes(traceId))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('one trace per saga', () => {
  const spans: ReceivedSpan[] = [];
  let receiver: Server;

  beforeAll(async () => {
    receiver = await startReceiver(spans);
    const { port } = receiver.address() as AddressInfo;
    // Debug: the per-event lines (a handler's outcome, an email accepted) are written at debug level.
    await restartAll({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    await restartAll({});
    await new Promise((resolve) => receiver.close(resolve));
  });

  it("follows the client's trace id through all three services' spans and logs", async () => {
    const traceId = randomBytes(16).toString('hex');
    const clientSpanId = randomBytes(8).toString('hex');
    const placed = await postOrder(anOrderRequest({ customerEmail: 'traced@example.com' }), {
      traceparent: `00-${traceId}-${clientSpanId}-01`,
    });
    expect(placed.status).toBe(201);
    const orderId = placed.body.id;
    await waitUntil(
      'order confirmed',
      async () => (await orderRequest('GET', `/orders/${orderId}`)).body.status === 'CONFIRMED',
    );

    const ofTrace = () => spans.filter((s) => s.traceId === traceId);
    const named = (service: string, name: string) => ofTrace().filter((s) => s.service === service && s.name === name);
    await waitUntil('every span of the saga exported', () =>
      Promise.resolve(
        named('orders', 'POST /orders').length === 1 &&
          named('payments', 'OrderPlaced process').length === 1 &&
          named('orders', 'PaymentAuthorized process').length === 1 &&
          named('email', 'email send').length === 2,
      ),
    );

    // The chain: client → POST /orders → (outbox, Debezium) OrderPlaced in payments → (outbox) PaymentAuthorized
    // in orders → (outbox) OrderConfirmed in email → the confirmation email's send.
    const request = named('orders', 'POST /orders')[0]!;
    expect(request.parentSpanId).toBe(clientSpanId);
    const authorizing = named('payments', 'OrderPlaced process')[0]!;
    expect(authorizing.parentSpanId).toBe(request.spanId);
    const confirming = named('orders', 'PaymentAuthorized process')[0]!;
    expect(confirming.parentSpanId).toBe(authorizing.spanId);
    const emailed = named('email', 'OrderConfirmed process');
    expect(emailed).toHaveLength(1);
    expect(emailed[0]!.parentSpanId).toBe(confirming.spanId);
    const sends = named('email', 'email send');
    expect(sends.map((s) => s.parentSpanId).sort()).toEqual(
      [named('email', 'OrderPlaced process')[0]?.spanId, emailed[0]!.spanId].sort(),
    );

    // Logs: each service wrote lines in the trace, a handler's with the event it handled.
    const payments = logLinesWith('payments', traceId);
    expect(payments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          service: 'payments',
          traceId,
          eventType: 'OrderPlaced',
          correlationId: orderId,
          topic: 'orders.events',
          consumerGroup: 'payments.order-events',
          partition: expect.any(Number) as number,
          offset: expect.any(String) as string,
          eventId: expect.any(String) as string,
        }),
      ]),
    );
    expect(logLinesWith('orders', traceId)).toEqual(
      expect.arrayContaining([expect.objectContaining({ traceId, eventType: 'PaymentAuthorized' })]),
    );
    const email = logLinesWith('email', traceId).map((l) => String(l.msg));
    expect(email.filter((msg) => msg.includes(orderId))).toHaveLength(2);
  });
});
