import { PrismaPg } from '@prisma/adapter-pg';
import type { Pool } from 'pg';
import { PrismaClient } from './prisma/client';

/** The orders database's generated client, over the service's own pool. */
export const createOrdersPrisma = (pool: Pool) => new PrismaClient({ adapter: new PrismaPg(pool) });
export type OrdersPrisma = ReturnType<typeof createOrdersPrisma>;
