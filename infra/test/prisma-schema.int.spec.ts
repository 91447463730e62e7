import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { serviceNames } from '../src/config/stack.config';
import { freshDatabase } from '../../test/support/test-database';

/**
 * Each service's Prisma schema holds only the tables the benchmarks query
 * through Prisma (the SQL migrations are the source of truth): each of its
 * models names a table of a database migrated from the SQL, with exactly that
 * table's columns and their nullability, and the generated client queries
 * every model in it. A migration that changes one of these tables fails here
 * until the schema follows.
 */
interface ModelShape {
  model: string;
  table: string;
  /** `name` or `name?` (nullable), sorted. */
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
      .map((l) => {
        const [name, type] = l.split(/\s+/);
        return `${name!}${type!.endsWith('?') ? '?' : ''}`;
      })
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

  it('has exactly the columns of each table, nullable where the table is', async () => {
    expect(models.length).toBeGreaterThan(0);
    for (const { table, columns } of models) {
      const { rows } = await db.pool.query<{ column_name: string; is_nullable: 'YES' | 'NO' }>(
        `SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [table],
      );
      const migrated = rows.map((r) => `${r.column_name}${r.is_nullable === 'YES' ? '?' : ''}`).sort();
      expect({ table, columns }).toEqual({ table, columns: migrated });
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
