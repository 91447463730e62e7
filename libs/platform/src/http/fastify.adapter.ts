import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { BadRequestException } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { json, urlencoded } from 'body-parser';
import { observeRequest } from '../observability/http.observability';
import { malformedRequestAnswer } from './malformed-request.filter';

/**
 * body-parser's default limit (100 kB), which it applies under both adapters;
 * Fastify's own `bodyLimit` says the same for anything Fastify would read itself.
 */
export const bodyLimitBytes = 100 * 1024;

/**
 * The parsers Nest's Express adapter installs, with its options. Fastify's own
 * JSON parser answers bad input differently: an empty body is a 400 (Express
 * reads `{}`), a charset other than UTF-8 or a Content-Encoding is ignored (the
 * body is read as UTF-8 and stored: Express refuses it with 415, or inflates
 * it), a `"__proto__"` key is its own 400 (Express leaves it to the schema,
 * which names it), a non-object JSON value is accepted. Reading the body with
 * body-parser itself answers all of these byte for byte as Express does.
 */
const parseJson = json({ limit: bodyLimitBytes });
const parseForm = urlencoded({ extended: true, limit: bodyLimitBytes });
// body-parser reads the response only to hand it to a `verify` option, which is not set.
const noResponse = undefined as unknown as ServerResponse;

/**
 * A Fastify adapter that answers every request as the Express one does:
 * - bodies: read by body-parser, as above, whatever the Content-Type — a type
 *   it does not parse leaves the body undefined and unread, as on Express
 *   (Fastify would answer 415, or pass text/plain on as a string);
 * - query strings: Node's `querystring`, Express 5's "simple" parser
 *   (repeated keys are arrays, a broken %-escape stays as text);
 * - routes: case-insensitive, a trailing slash ignored, no limit on a path
 *   parameter's length below Node's 16 KiB of headers (Fastify's 100 would
 *   make a long id a 414, not the 400 its schema gives);
 * - a path Fastify cannot decode (`/orders/%ff`): 400 `INVALID_REQUEST`,
 *   counted and traced like any request (Fastify answers it before any hook);
 * - sockets: Node's keep-alive and request timeouts, which Express runs with,
 *   and a request arriving while the app closes is served, not refused by
 *   Fastify with a 503 that has neither `code` nor `Retry-After`.
 */
export function createFastifyAdapter(): FastifyAdapter {
  const adapter = new FastifyAdapter({
    bodyLimit: bodyLimitBytes,
    keepAliveTimeout: 5_000,
    requestTimeout: 300_000,
    return503OnClosing: false,
    routerOptions: {
      caseSensitive: false,
      ignoreTrailingSlash: true,
      maxParamLength: 16 * 1024,
      querystringParser: (query) => parseQuery(query),
    },
    // Called for a URL the router cannot decode or a parameter past maxParamLength (async
    // route constraints, the third case, are not used): a bad request either way.
    frameworkErrors: (error: Error, request: { raw: IncomingMessage }, reply: { raw: ServerResponse }) => {
      const segment = undecodableSegment(request.raw.url ?? '');
      const message = segment === undefined ? error.message : `Failed to decode param '${segment}'`;
      const { status, body } = malformedRequestAnswer(new BadRequestException(message));
      const text = JSON.stringify(body);
      observeRequest(
        request.raw,
        reply.raw,
        () => undefined,
        () =>
          reply.raw
            .writeHead(status, {
              'content-type': 'application/json; charset=utf-8',
              'content-length': Buffer.byteLength(text),
            })
            .end(text),
      );
    },
  });
  const fastify = adapter.getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request, _payload, done) => {
    const req = request.raw as IncomingMessage & { body?: unknown };
    parseJson(req, noResponse, (jsonError?: unknown) => {
      if (jsonError) return done(jsonError as Error);
      parseForm(req, noResponse, (formError?: unknown) => done((formError as Error | undefined) ?? null, req.body));
    });
  });
  return adapter;
}

/** The first segment of `url`'s path that is not %-encoded UTF-8: what Express's router names in its 400. */
function undecodableSegment(url: string): string | undefined {
  return url
    .split('?')[0]!
    .split('/')
    .find((segment) => {
      try {
        decodeURIComponent(segment);
        return false;
      } catch {
        return true;
      }
    });
}
