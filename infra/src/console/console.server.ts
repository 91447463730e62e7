import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import path from 'node:path';
import type { PartitionLag } from '@orderflow/messaging';
import { messageOf } from '../cli/cli.support';
import type { EventView } from '../cli/commands/event.view';
import type { StoryStep } from '../cli/commands/order.command';
import type { TopicInfo } from '../cli/commands/topics.command';
import type { StackStatus } from '../stack';
import type { DeadLettersReading } from './dead-letters.reading';

/**
 * What the console shows, each from what the CLI and the services already
 * use (see console.sources.ts). A source throws when what it reads is away:
 * the endpoint then answers 503 with the message, and the page says so.
 */
export interface ConsoleSources {
  status(): Promise<StackStatus>;
  topics(): Promise<TopicInfo[]>;
  lag(): readonly PartitionLag[];
  events(): { following: boolean; events: readonly EventView[] };
  deadLetters(): Promise<DeadLettersReading>;
  timeline(orderId: string): Promise<StoryStep[]>;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The page's files: a fixed list, so no request path ever reaches the file system. */
const assets: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

const securityHeaders = {
  // The page loads only its own script and style and talks only to this server.
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Route = (sources: ConsoleSources, match: RegExpExecArray) => Promise<unknown> | unknown;

const routes: [RegExp, Route][] = [
  [/^\/api\/health$/, () => ({ status: 'ok' })],
  [/^\/api\/status$/, (s) => s.status()],
  [/^\/api\/topics$/, (s) => s.topics()],
  [/^\/api\/lag$/, (s) => s.lag()],
  [/^\/api\/events$/, (s) => s.events()],
  [/^\/api\/dead-letters$/, (s) => s.deadLetters()],
  [/^\/api\/orders\/([^/]+)\/timeline$/, (s, match) => timeline(s, match[1]!)],
];

async function timeline(sources: ConsoleSources, orderId: string): Promise<StoryStep[]> {
  if (!uuid.test(orderId)) throw new HttpError(400, `not an order id (a UUID): ${orderId}`);
  const steps = await sources.timeline(orderId.toLowerCase());
  if (steps.length === 0) {
    throw new HttpError(404, `no events keyed ${orderId} on orders.events, payments.events or email.events`);
  }
  return steps;
}

/**
 * The console's HTTP server: the page and the JSON it polls. Every request is
 * answered, whatever a source throws; nothing a request does can stop the server.
 */
export function createConsoleServer(sources: ConsoleSources, publicDir: string): Server {
  const failures = new FailureLog();
  return createServer((request, response) => {
    handle(sources, publicDir, failures, request, response).catch((error: unknown) => {
      // A page file that cannot be read, or a client gone before its answer.
      process.stderr.write(`console: ${request.method} ${request.url}: ${messageOf(error)}\n`);
      if (response.headersSent) response.destroy();
      else json(response, 500, { error: messageOf(error) });
    });
  });
}

async function handle(
  sources: ConsoleSources,
  publicDir: string,
  failures: FailureLog,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const pathname = new URL(request.url ?? '/', 'http://console').pathname;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return json(response, 405, { error: `${request.method} is not allowed: the console only reads` });
  }
  const asset = assets[pathname];
  if (asset) {
    const body = await readFile(path.join(publicDir, asset.file));
    response.writeHead(200, { ...securityHeaders, 'content-type': asset.type, 'content-length': body.length });
    response.end(body);
    return;
  }
  for (const [pattern, route] of routes) {
    const match = pattern.exec(pathname);
    if (!match) continue;
    try {
      const value = await route(sources, match);
      failures.recovered(pattern.source);
      return json(response, 200, value);
    } catch (error) {
      if (error instanceof HttpError) return json(response, error.status, { error: error.message });
      // A broker, Connect or database that does not answer; or a bug, which the log keeps.
      failures.failed(pattern.source, pathname, messageOf(error));
      return json(response, 503, { error: messageOf(error) });
    }
  }
  return json(response, 404, { error: `no such page or endpoint: ${pathname}` });
}

/** Logs an endpoint's failure when it starts or its reason changes, not on every poll of every open page. */
class FailureLog {
  private readonly reasons = new Map<string, string>();

  failed(endpoint: string, pathname: string, reason: string): void {
    if (this.reasons.get(endpoint) === reason) return;
    this.reasons.set(endpoint, reason);
    process.stderr.write(`${new Date().toISOString()} console: ${pathname}: ${reason}\n`);
  }

  recovered(endpoint: string): void {
    this.reasons.delete(endpoint);
  }
}

function json(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  response.writeHead(status, {
    ...securityHeaders,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}
