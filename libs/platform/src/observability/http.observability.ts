import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { httpRequests, httpSeconds } from '../metrics/metrics.registry';

type ExpressRequest = IncomingMessage & { route?: { path?: string }; baseUrl?: string };

const tracer = trace.getTracer('@orderflow/platform');

/**
 * One request: a SERVER span, child of the caller's `traceparent` if it sent
 * one, active while `next` and what it starts run (so the outbox rows the
 * request writes carry it, and so do its log lines); then, once the response
 * is finished, counted and timed. The route label is `routeOf()` read at that
 * point — the template the router matched (`/orders/:id`), never the raw path,
 * so an id cannot make a new series; a request no route matched is
 * `unmatched`.
 */
export function observeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  routeOf: () => string | undefined,
  next: () => void,
): void {
  const started = performance.now();
  const parent = propagation.extract(context.active(), req.headers);
  const span = tracer.startSpan(
    `${req.method ?? 'GET'}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? 'GET', 'url.path': req.url ?? '' } },
    parent,
  );
  res.once('finish', () => {
    const route = routeOf() ?? 'unmatched';
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

/**
 * Observes every request of `app`, before anything else handles it. Express:
 * a middleware, the route read from `req.route`. Fastify: the first
 * `onRequest` hook (Nest middleware, nestjs-pino's included, runs in later
 * ones), the route read from `routeOptions.url`; the context it makes active
 * reaches the handler because Fastify's body parsing keeps the async context
 * of the hooks that ran before it.
 */
export function observeHttp(app: INestApplication): void {
  if (app.getHttpAdapter().getType() === 'fastify') {
    (app as NestFastifyApplication)
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', (request, reply, done) =>
        observeRequest(request.raw, reply.raw, () => (request.is404 ? undefined : request.routeOptions.url), done),
      );
    return;
  }
  app.use((req: ExpressRequest, res: ServerResponse, next: () => void) =>
    observeRequest(
      req,
      res,
      () => (typeof req.route?.path === 'string' ? `${req.baseUrl ?? ''}${req.route.path}` : undefined),
      next,
    ),
  );
}
