import { ceilings } from './ceilings.bench';
import { httpAdaptersBench } from './http-adapters.bench';
import { kafkaClientsBench } from './kafka-clients.bench';
import { persistence } from './persistence.bench';
import { reads } from './reads.bench';
import { relay } from './relay.bench';
import { replay } from './replay.bench';
import { saga } from './saga.bench';
import { writeReport } from './bench.results';

/**
 * `npm run bench -- <name>`: runs one benchmark against the running stack
 * (`npm start` first) and writes bench/results/<name>.{json,md}.
 * BENCH_RUNS=N repeats it and reports every run, one `run` column apart, so
 * the spread between runs is on record beside the figures.
 */
const benches: Record<string, () => Promise<Parameters<typeof writeReport>[1]>> = {
  ceilings,
  'http-adapters': httpAdaptersBench,
  'kafka-clients': kafkaClientsBench,
  persistence,
  reads,
  replay,
  relay,
  saga,
};

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const bench = benches[name];
  if (!bench) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}>\n`);
    process.exit(2);
  }
  const runs = Number(process.env.BENCH_RUNS ?? 1);
  const reports = [];
  for (let run = 1; run <= runs; run += 1) reports.push(await bench());
  const [first] = reports;
  writeReport(
    name,
    runs === 1
      ? first!
      : {
          ...first!,
          method: `${first!.method} Repeated ${runs} times.`,
          rows: reports.flatMap((report, i) => report.rows.map((row) => ({ run: i + 1, ...row }))),
          notes: reports.flatMap((report, i) => (report.notes ?? []).map((note) => `Run ${i + 1}: ${note}`)),
        },
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
