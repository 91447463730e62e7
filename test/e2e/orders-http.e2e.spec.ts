import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { loadStackConfig } from '../../infra/src/config/stack.config';
import { anOrderRequest, orderRequest, postOrder } from '../support/orders.client';

const eventsOfCustomer = async (customerId: string) => {
  const db = new Client({ connectionString: loadStackConfig().postgres.databases.orders.url });
  await db.connect();
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM order_events WHERE envelope->'payload'->>'customerId' = $1",
    [customerId],
  );
  await db.end();
  return rows[0]?.n;
};

/** The orders HTTP contract: status codes, messages, and nothing written on an error. */
describe('orders HTTP API', () => {
  it('places an order: 201, PENDING_PAYMENT, the total of its lines, version 1', async () => {
    const { status, body } = await postOrder(
      anOrderRequest({
        items: [
          { sku: 'A', quantity: 3, unitPriceCents: 199 },
          { sku: 'B', quantity: 1, unitPriceCents: 1000 },
        ],
      }),
    );
    expect(status).toBe(201);
    expect(body).toMatchObject({ status: 'PENDING_PAYMENT', totalCents: 1597, version: 1 });

    const read = await orderRequest('GET', `/orders/${body.id}`);
    expect(read.status).toBe(200);
    expect(Object.keys(read.body)).toEqual(
      expect.arrayContaining([
        'id',
        'status',
        'customerId',
        'customerEmail',
        'currency',
        'items',
        'totalCents',
        'version',
        'createdAt',
        'updatedAt',
      ]),
    );
    const events = await orderRequest('GET', `/orders/${body.id}/events`);
    expect((events.body as unknown as { type: string }[]).map((e) => e.type)[0]).toBe('OrderPlaced');
  });

  it('answers a retried POST with the same Idempotency-Key with the same order', async () => {
    const key = randomUUID();
    const first = await postOrder(anOrderRequest(), { 'Idempotency-Key': key });
    const retry = await postOrder(anOrderRequest(), { 'Idempotency-Key': key });
    expect(retry.status).toBe(201);
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it.each([
    ['a missing email', { customerEmail: undefined }, 'body.customerEmail'],
    ['a float price', { items: [{ sku: 'A', quantity: 1, unitPriceCents: 9.99 }] }, 'body.items.0.unitPriceCents'],
    ['no items', { items: [] }, 'body.items'],
    ['a currency that is not ISO', { currency: 'euro' }, 'body.currency'],
  ])('refuses %s with 400 naming the field, and writes nothing', async (_what, change, field) => {
    const customerId = `c-${randomUUID()}`;
    const { status, body } = await postOrder(anOrderRequest({ customerId, ...change }));
    expect(status).toBe(400);
    expect(body.message).toContain(field);
    expect(await eventsOfCustomer(customerId)).toBe(0);
  });

  it('answers 404 for an unknown order and 400 for an id that is not one', async () => {
    expect((await orderRequest('GET', `/orders/${randomUUID()}`)).status).toBe(404);
    expect((await orderRequest('POST', `/orders/${randomUUID()}/cancel`)).status).toBe(404);
    const bad = await orderRequest('GET', '/orders/42');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('id');
  });

  it('answers 409 with the reason for a transition the order forbids, and writes nothing', async () => {
    const { body: order } = await postOrder(anOrderRequest());
    const cancelled = await orderRequest('POST', `/orders/${order.id}/cancel`);
    expect(cancelled.status).toBe(200);
    const versionAfterCancel = (cancelled.body as { version: number }).version;

    const ship = await orderRequest('POST', `/orders/${order.id}/ship`);
    const cancelAgain = await orderRequest('POST', `/orders/${order.id}/cancel`);

    expect(ship).toMatchObject({ status: 409, body: { code: 'ORDER_ALREADY_CANCELLED' } });
    expect(cancelAgain).toMatchObject({ status: 409, body: { code: 'ORDER_ALREADY_CANCELLED' } });
    expect(String(ship.body.message)).toContain('cancelled');
    expect((await orderRequest('GET', `/orders/${order.id}`)).body.version).toBe(versionAfterCancel);
  });

  it('serves its OpenAPI document at /docs', async () => {
    const response = await fetch(`${loadStackConfig().services.orders.url}/docs-json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/orders',
        '/orders/{id}',
        '/orders/{id}/events',
        '/orders/{id}/cancel',
        '/orders/{id}/ship',
      ]),
    );
  });
});
