import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { httpRequests, httpSeconds } from './metrics.registry';

type RoutedRequest = IncomingMessage & { route?: { path?: string }; baseUrl?: string };

/**
 * Counts and times every answered request. The route label is the pattern
 * Express matched (`/orders/:id`), never the raw path, so an id cannot make a
 * new series; a request no route matched is `unmatched`.
 */
export function httpMetrics(req: RoutedRequest, res: ServerResponse, next: () => void): void {
  const started = performance.now();
  res.once('finish', () => {
    const route = typeof req.route?.path === 'string' ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched';
    const labels = { method: req.method ?? 'GET', route, status: String(res.statusCode) };
    httpRequests.inc(labels);
    httpSeconds.observe(labels, (performance.now() - started) / 1000);
  });
  next();
}
