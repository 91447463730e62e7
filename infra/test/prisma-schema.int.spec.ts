import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { serviceNames } from '../src/config/stack.config';
import { freshDatabase } from '../../test/support/test-database';

/**
 * Each service's Prisma schema and its SQL migrations describe the same
 * tables: a database migrated from the SQL has exactly the tables and columns
 * the schema names, and the generated client queries every model in it.
 */
interface ModelShape {
  model: string;
  table: string;
  columns: string[];
}

const repoRoot = path.resolve(__dirname, '..', '..');

/** Models, their tables (`@@map`) and their scalar fields, read from schema.prisma. */
function modelsOf(service: string): ModelShape[] {
  const schema = readFileSync(path.join(repoRoot, 'services', service, 'prisma', 'schema.prisma'), 'utf8');
  return [...schema.matchAll(/^model (\w+) \{([^}]*)\}/gm)].map(([, model, body]) => {
    const lines = (body ?? '').split('\n').map((l) => l.trim());
    const table = /@@map\("([^"]+)"\)/.exec(body ?? '')?.[1] ?? model!;
    const columns = lines
      .filter((l) => /^\w+\s+\w+/.test(l) && !l.startsWith('//'))
      .map((l) => l.split(/\s+/)[0]!)
      .sort();
    return { model: model!, table, columns };
  });
}

describe.each(serviceNames)('%s: Prisma schema and migrations', (service) => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const models = modelsOf(service);

  beforeAll(async () => {
    db = await freshDatabase(`prisma_check_${service}`, service);
  });
  afterAll(async () => {
    await db.pool.end();
  });

  it('names every table of the migrated database, and no other', async () => {
    const { rows } = await db.pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_name <> 'schema_migrations' ORDER BY table_name`,
    );
    expect(models.map((m) => m.table).sort()).toEqual(rows.map((r) => r.table_name));
  });

  it('has exactly the columns of each table', async () => {
    for (const { table, columns } of models) {
      const { rows } = await db.pool.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1
         ORDER BY column_name`,
        [table],
      );
      expect({ table, columns }).toEqual({ table, columns: rows.map((r) => r.column_name) });
    }
  });

  it('generates a client that reads every model', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PrismaClient } = require(
      path.join(repoRoot, 'services', service, 'src', 'persistence', 'prisma', 'client'),
    );
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url }) });
    try {
      for (const { model } of models) {
        const delegate = prisma[model.charAt(0).toLowerCase() + model.slice(1)];
        await expect(delegate.findMany({ take: 1 })).resolves.toEqual([]);
      }
    } finally {
      await prisma.$disconnect();
    }
  });
});
