import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type INestApplication, Module } from '@nestjs/common';
import { createHttpApp } from '@orderflow/platform';
import { OrderCommands } from '../src/application/order.commands';
import { OrderQueries } from '../src/application/order.queries';
import { PlaceOrderHandler } from '../src/application/place-order';
import type { Order } from '../src/domain/order';
import { serveOpenApi } from '../src/http/openapi.docs';
import { OrdersHttpController } from '../src/http/orders.http.controller';
import { type HttpAdapterName, type InjectOptions, injectRequest } from '../../../test/support/http-inject';

/**
 * The orders HTTP edge on both adapters, in process (no port, no database:
 * the application layer is a stub): Swagger UI and the OpenAPI document at
 * /docs, and the controller's own use of the response (201, the
 * Idempotent-Replayed header of a retried POST).
 */
const order: Order = {
  id: '0b5f3a7e-2c4d-4e8f-9a1b-3c5d7e9f1a2b',
  status: 'PENDING_PAYMENT',
  customerId: 'c-1',
  customerEmail: 'c-1@example.com',
  currency: 'EUR',
  items: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 100 }],
  totalCents: 100,
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  paid: false,
};

@Module({
  controllers: [OrdersHttpController],
  providers: [
    // A key that was seen before is a replay: the stub says so for the key "seen".
    {
      provide: PlaceOrderHandler,
      useValue: { place: async (_: unknown, key?: string) => ({ order, replayed: key === 'seen' }) },
    },
    { provide: OrderCommands, useValue: {} },
    { provide: OrderQueries, useValue: {} },
  ],
})
class OrdersHttpModule {}

type Adapter = HttpAdapterName;
const apps = new Map<Adapter, INestApplication>();

beforeAll(async () => {
  for (const adapter of ['express', 'fastify'] as const) {
    const app = await createHttpApp({ module: OrdersHttpModule }, adapter, { logger: false });
    serveOpenApi(app);
    await app.init();
    if (adapter === 'fastify') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
    apps.set(adapter, app);
  }
});
afterAll(async () => {
  for (const app of apps.values()) await app.close();
});

const send = (adapter: Adapter, request: InjectOptions) => injectRequest(apps.get(adapter)!, adapter, request);

const placing = (key: string): InjectOptions => ({
  method: 'POST',
  url: '/orders',
  headers: { 'content-type': 'application/json', 'idempotency-key': key },
  payload: JSON.stringify({
    customerId: order.customerId,
    customerEmail: order.customerEmail,
    currency: order.currency,
    items: order.items,
  }),
});

describe.each(['express', 'fastify'] as const)('the orders HTTP edge on %s', (adapter) => {
  it('serves Swagger UI, its files and the OpenAPI document under /docs', async () => {
    const page = await send(adapter, { method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect((await send(adapter, { method: 'GET', url: '/docs/swagger-ui.css' })).statusCode).toBe(200);
    const document = await send(adapter, { method: 'GET', url: '/docs-json' });
    expect(document.statusCode).toBe(200);
    expect(Object.keys((document.json() as { paths: object }).paths)).toEqual(
      expect.arrayContaining([
        '/orders',
        '/orders/{id}',
        '/orders/{id}/events',
        '/orders/{id}/cancel',
        '/orders/{id}/ship',
      ]),
    );
  });

  it('answers a new order 201 without Idempotent-Replayed, a retried one 201 with it', async () => {
    const first = await send(adapter, placing('new'));
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(first.json()).toMatchObject({ id: order.id, status: 'PENDING_PAYMENT' });
    const retry = await send(adapter, placing('seen'));
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
  });
});
