import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { prometheusConfig, renderPrometheusConfig } from '../src/components/prometheus.component';
import { loadStackConfig } from '../src/config/stack.config';
import { connectorDeclarations } from '../src/provision/connectors.provision';

/**
 * The alert rules as Prometheus' own tool reads them: valid, and behaving as
 * infra/observability/prometheus/alerts.test.yml specifies (each rule fires
 * when it should and not in a healthy case). Needs promtool (Debian's
 * `prometheus` package, which infra/bin/run-tests installs); no stack.
 */
const config = loadStackConfig({ ORDERFLOW_DATA_DIR: path.join(tmpdir(), 'orderflow-alert-rules-no-such-dir') });
const dir = path.join(config.repoRoot, 'infra', 'observability', 'prometheus');
const rulesFile = path.join(dir, 'alerts.rules.yml');

function promtool(args: string[]): string {
  const result = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(
      'promtool is not installed: `apt-get install --no-install-recommends prometheus` on Debian/Ubuntu ' +
        '(infra/bin/run-tests does it as root).',
    );
  }
  if (result.error) throw result.error;
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`promtool ${args.join(' ')} exited with ${result.status}:\n${output}`);
  return output;
}

interface RuleFile {
  groups: { rules: { alert: string; expr: string; labels: Record<string, string> }[] }[];
}

describe('alert rules', () => {
  it('are valid rules (promtool check rules)', () => {
    expect(promtool(['check', 'rules', rulesFile])).toMatch(/SUCCESS/);
  });

  it('fire when they should and stay quiet when healthy (promtool test rules alerts.test.yml)', () => {
    expect(promtool(['test', 'rules', path.join(dir, 'alerts.test.yml')])).toMatch(/SUCCESS/);
  });

  it('are tested, every alert of them, and each carries a severity', () => {
    const rules = (parse(readFileSync(rulesFile, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);
    const tested = readFileSync(path.join(dir, 'alerts.test.yml'), 'utf8');
    for (const rule of rules) {
      expect({ alert: rule.alert, tested: tested.includes(`alertname: ${rule.alert}`) }).toEqual({
        alert: rule.alert,
        tested: true,
      });
      expect({ alert: rule.alert, severity: rule.labels.severity }).toEqual({
        alert: rule.alert,
        severity: expect.stringMatching(/^(warning|critical)$/),
      });
    }
  });

  it('watch for the absence of every connector infra/connectors declares', () => {
    const rules = (parse(readFileSync(rulesFile, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);
    const missing = rules.find((r) => r.alert === 'OrderflowConnectorNotRunning' && r.labels.cause === 'missing');
    const watched = [...(missing?.expr ?? '').matchAll(/connector="([^"]+)"/g)].map((m) => m[1]).sort();
    expect(watched).toEqual(
      connectorDeclarations(config.repoRoot)
        .map((c) => c.name)
        .sort(),
    );
  });

  it('are loaded by the prometheus.yml `stack up --with observability` writes (promtool check config)', () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'orderflow-prometheus-'));
    try {
      const file = path.join(tmp, 'prometheus.yml');
      writeFileSync(file, renderPrometheusConfig(prometheusConfig(config)));
      expect(promtool(['check', 'config', file])).toMatch(/SUCCESS: [1-9]\d* rules found/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('are loaded by docker-compose’s Prometheus (promtool check config)', () => {
    const file = path.join(config.repoRoot, 'infra', 'observability', 'compose', 'prometheus.yml');
    expect(promtool(['check', 'config', file])).toMatch(/SUCCESS: [1-9]\d* rules found/);
  });
});
