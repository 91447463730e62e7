import { Inject, Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from './database.provider';

/** Nest token of the service's Prisma client (its own generated one, typed where it is injected). */
export const PRISMA = Symbol('PRISMA');

/** All the platform needs of a generated client: to close it. */
export interface PrismaClientHandle {
  $disconnect(): Promise<void>;
}

@Injectable()
class PrismaCloser implements OnApplicationShutdown {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClientHandle) {}

  /** The pool is not the adapter's to end (PoolCloser ends it): this only drops the client's hold on it. */
  async onApplicationShutdown(): Promise<void> {
    await this.prisma.$disconnect();
  }
}

/**
 * The service's Prisma client, built once over its one `pg` pool (the driver
 * adapter borrows the pool's connections; the pool's limits, error handlers
 * and time-outs stay the only ones), closed on shutdown. `create` is the
 * service's own: each generates its client from its own schema.
 */
export const prismaProviders = (create: (pool: Pool) => PrismaClientHandle): Provider[] => [
  { provide: PRISMA, inject: [PG_POOL], useFactory: create },
  PrismaCloser,
];
