import { PrismaPg } from '@prisma/adapter-pg';
import type { Pool } from 'pg';
import { PrismaClient } from './prisma/client';

/** The payments database's generated client, over the service's own pool. */
export const createPaymentsPrisma = (pool: Pool) => new PrismaClient({ adapter: new PrismaPg(pool) });
export type PaymentsPrisma = ReturnType<typeof createPaymentsPrisma>;
