import { context, trace } from '@opentelemetry/api';
import { currentMessage } from '@orderflow/messaging';
import { LoggerModule } from 'nestjs-pino';

/**
 * The service's logs: JSON lines (pino, through nestjs-pino, which also takes
 * over Nest's own Logger), each with the service, the active span's
 * `traceId`/`spanId`, and — on a line a message handler writes — the event's
 * id, type, correlation and causation ids, topic, partition, offset and
 * consumer group. Human-readable (pino-pretty) when stdout is a terminal.
 * Requests are not logged one by one: /metrics counts and times them.
 * The same on either HTTP adapter: nestjs-pino is Nest middleware, which runs
 * under Fastify through @fastify/middie (its request ids read `req-1`, not `1`).
 */
export const loggingModule = (serviceName: string, env: NodeJS.ProcessEnv = process.env) =>
  LoggerModule.forRoot({
    pinoHttp: {
      level: env.LOG_LEVEL ?? 'info',
      autoLogging: false,
      base: { service: serviceName },
      mixin: logContext,
      transport: process.stdout.isTTY ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
    },
  });

function logContext(): Record<string, unknown> {
  const span = trace.getSpanContext(context.active());
  const message = currentMessage();
  return {
    ...(span ? { traceId: span.traceId, spanId: span.spanId } : {}),
    ...(message ?? {}),
  };
}
