import { ceilings } from './ceilings.bench';
import { persistence } from './persistence.bench';
import { relay } from './relay.bench';
import { replay } from './replay.bench';
import { saga } from './saga.bench';
import { writeReport } from './bench.results';

/**
 * `npm run bench -- <name>`: runs one benchmark against the running stack
 * (`npm start` first) and writes bench/results/<name>.{json,md}.
 */
const benches: Record<string, () => Promise<Parameters<typeof writeReport>[1]>> = {
  ceilings,
  persistence,
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
  writeReport(name, await bench());
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
