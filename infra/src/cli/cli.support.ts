/** What every `npm run orderflow` command shares: usage errors, help, text tables, progress. */
import { SingleBar } from 'cli-progress';

/** A mistake in how the command was called: exit code 2 with the command's usage. */
export class UsageError extends Error {}

/** parseArgs throws on an unknown option or a missing value: that is a usage error. */
export function usageOnError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(messageOf(error));
  }
}

export const helpOption = { type: 'boolean', short: 'h' } as const;

export const printHelp = (text: string): number => {
  process.stdout.write(`${text}\n`);
  return 0;
};

export const printJson = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Rows under a header, columns padded; the last column is not padded (it may be long). */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

/**
 * A progress bar on stderr for long reads, only when stderr is a terminal
 * (piped output and tests get none).
 */
export function progress(label: string, total: number): { update: (done: number) => void; stop: () => void } {
  if (!process.stderr.isTTY || total === 0) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% {value}/{total} {eta}s left`,
    stream: process.stderr,
  });
  bar.start(total, 0);
  return { update: (done) => bar.update(Math.min(done, total)), stop: () => bar.stop() };
}

/**
 * Runs a command's main and exits with its code once stdout has taken all it
 * was given (exiting at once cuts off output written to a pipe: a long
 * `--json` read by another program); an unexpected error is one line on
 * stderr and exit 1.
 */
export function runCli(name: string, main: (argv: string[]) => Promise<number>): void {
  const exit = (code: number) => process.stdout.write('', () => process.exit(code));
  main(process.argv.slice(2)).then(exit, (error: unknown) => {
    process.stderr.write(`${name}: ${messageOf(error)}\n`);
    exit(1);
  });
}
