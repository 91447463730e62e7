import { PrismaPg } from '@prisma/adapter-pg';
import type { Pool } from 'pg';
import { PrismaClient } from './prisma/client';

/** The email database's generated client, over the service's own pool. */
export const createEmailPrisma = (pool: Pool) => new PrismaClient({ adapter: new PrismaPg(pool) });
export type EmailPrisma = ReturnType<typeof createEmailPrisma>;
