import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { httpRequests, httpSeconds } from '../metrics/metrics.registry';

type RoutedRequest = IncomingMessage & { route?: { path?: string }; baseUrl?: string };

const tracer = trace.getTracer('@orderflow/platform');

/**
 * Every request: a SERVER span, child of the caller's `traceparent` if it
 * sent one, active while the request is handled (so the outbox rows it
 * writes carry it, and so do its log lines); then counted and timed. The
 * route label is the pattern Express matched (`/orders/:id`), never the raw
 * path, so an id cannot make a new series; a request no route matched is
 * `unmatched`.
 */
export function httpObservability(req: RoutedRequest, res: ServerResponse, next: () => void): void {
  const started = performance.now();
  const parent = propagation.extract(context.active(), req.headers);
  const span = tracer.startSpan(
    `${req.method ?? 'GET'}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': req.url ?? '' } },
    parent,
  );
  res.once('finish', () => {
    const route = typeof req.route?.path === 'string' ? `${req.baseUrl ?? ''}${req.route.path}` : 'unmatched';
    const labels = { method: req.method ?? 'GET', route, status: String(res.statusCode) };
    httpRequests.inc(labels);
    httpSeconds.observe(labels, (performance.now() - started) / 1000);
    span.updateName(`${labels.method} ${route}`);
    span.setAttributes({ 'http.route': route, 'http.response.status_code': res.statusCode });
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(parent, span), next);
}
