import { type ServiceName, loadStackConfig, serviceNames } from '../../infra/src/config/stack.config';

/**
 * Time each service spent in garbage collection, from its `GET /metrics`
 * (prom-client's nodejs_gc_duration_seconds, every kind summed), so a
 * benchmark step can report GC per service beside its CPU.
 */
export type GcSeconds = Record<ServiceName, number>;

export async function serviceGcSeconds(): Promise<GcSeconds> {
  const config = loadStackConfig();
  const entries = await Promise.all(
    serviceNames.map(async (name) => {
      const text = await (await fetch(`${config.services[name].url}/metrics`)).text();
      const seconds = [...text.matchAll(/^nodejs_gc_duration_seconds_sum\{[^}]*\} ([0-9.e+-]+)$/gm)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
      return [name, seconds] as const;
    }),
  );
  return Object.fromEntries(entries) as GcSeconds;
}

/** "orders 3.1 %, …": GC time as a share of the stretch's wall time, per service. */
export const formatGc = (from: GcSeconds, to: GcSeconds, seconds: number) =>
  serviceNames.map((name) => `${name} ${(((to[name] - from[name]) / seconds) * 100).toFixed(1)} %`).join(', ');
