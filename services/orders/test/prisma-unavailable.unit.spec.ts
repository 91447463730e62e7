import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { type INestApplication, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { isTransient } from '@orderflow/messaging';
import {
  PG_POOL,
  PRISMA,
  ServiceUnavailableInterceptor,
  createHttpApp,
  createPool,
  prismaProviders,
} from '@orderflow/platform';
import { DriverAdapterError } from '@prisma/driver-adapter-utils';
import { ORDER_READS, type OrderReads } from '../src/application/order-reads.port';
import { OrderCommands } from '../src/application/order.commands';
import { OrderQueries } from '../src/application/order.queries';
import { PlaceOrderHandler } from '../src/application/place-order';
import { OrdersHttpController } from '../src/http/orders.http.controller';
import { OrderPrismaReads } from '../src/persistence/order.prisma-reads';
import { type OrdersPrisma, createOrdersPrisma } from '../src/persistence/prisma.client';
import { Prisma } from '../src/persistence/prisma/client';
import { injectRequest } from '../../../test/support/http-inject';

/**
 * A database that cannot be reached, seen through Prisma's `pg` driver
 * adapter, is a dependency away (HTTP 503, a consumer that waits), never a
 * 500 or a dead letter: the reads go through the real generated client and
 * adapter, against a port nobody listens on and a server that hangs up at
 * once (no database needed).
 */
const orderId = '0b5f3a7e-2c4d-4e8f-9a1b-3c5d7e9f1a2b';

async function appOver(databaseUrl: string): Promise<INestApplication> {
  @Module({
    controllers: [OrdersHttpController],
    providers: [
      { provide: PG_POOL, useFactory: () => createPool(databaseUrl, 1) },
      ...prismaProviders(createOrdersPrisma),
      { provide: ORDER_READS, inject: [PRISMA], useFactory: (prisma: OrdersPrisma) => new OrderPrismaReads(prisma) },
      { provide: OrderQueries, inject: [ORDER_READS], useFactory: (reads: OrderReads) => new OrderQueries(reads) },
      { provide: PlaceOrderHandler, useValue: {} },
      { provide: OrderCommands, useValue: {} },
      { provide: APP_INTERCEPTOR, useClass: ServiceUnavailableInterceptor },
    ],
  })
  class OrdersReadModule {}
  const app = await createHttpApp({ module: OrdersReadModule }, 'express', { logger: false });
  await app.init();
  return app;
}

/** A TCP server that closes every connection as soon as it opens: Postgres going away mid-handshake. */
async function hangingUp(): Promise<Server> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('Prisma reads when the database is away', () => {
  it('answers 503 with Retry-After when the connection is refused (P1001)', async () => {
    const refusing = await hangingUp();
    const { port } = refusing.address() as AddressInfo;
    await new Promise((resolve) => refusing.close(resolve));
    const app = await appOver(`postgres://orders:x@127.0.0.1:${port}/orders`);
    try {
      const response = await injectRequest(app, 'express', { method: 'GET', url: `/orders/${orderId}` });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
    } finally {
      await app.close();
    }
  });

  it('answers 503 when the server hangs up while connecting', async () => {
    const server = await hangingUp();
    const { port } = server.address() as AddressInfo;
    const app = await appOver(`postgres://orders:x@127.0.0.1:${port}/orders`);
    try {
      const response = await injectRequest(app, 'express', { method: 'GET', url: '/orders?limit=1' });
      expect(response.statusCode).toBe(503);
    } finally {
      await app.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("tells a connection lost mid-query (SQLSTATE 57P01, in the adapter's error) from a constraint violation", () => {
    const wrapped = (originalCode: string) =>
      new Prisma.PrismaClientKnownRequestError('Raw query failed', {
        code: 'P2010',
        clientVersion: Prisma.prismaVersion.client,
        meta: {
          driverAdapterError: new DriverAdapterError({
            kind: 'postgres',
            originalCode,
            originalMessage: 'x',
            code: originalCode,
            severity: 'FATAL',
            message: 'x',
          }),
        },
      });
    expect(isTransient(wrapped('57P01'))).toBe(true);
    expect(isTransient(wrapped('23505'))).toBe(false);
  });
});
