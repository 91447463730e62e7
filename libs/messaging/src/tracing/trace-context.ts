import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Context,
  ROOT_CONTEXT,
  type SpanContext,
  TraceFlags,
  context,
  isSpanContextValid,
  trace,
} from '@opentelemetry/api';

/**
 * W3C trace context across the outbox: the library only uses the
 * OpenTelemetry API (a no-op until a service registers an SDK; libs/platform
 * does), so a trace id travels HTTP request → outbox row → Kafka header
 * (`traceparent`, placed there by Debezium's EventRouter) → consumer span →
 * the outbox rows its handler writes, one trace per saga.
 */
export const tracer = trace.getTracer('@orderflow/messaging');

/** `00-<trace id>-<span id>-<flags>` of the span active in `ctx`, or null when there is none. */
export function traceparentOf(ctx: Context = context.active()): string | null {
  const span = trace.getSpanContext(ctx);
  if (!span || !isSpanContextValid(span)) return null;
  const flags = (span.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? '01' : '00';
  return `00-${span.traceId}-${span.spanId}-${flags}`;
}

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The remote parent a `traceparent` names, as a context to start a span in; the root context for anything else. */
export function contextOf(traceparent: string | null | undefined): Context {
  const match = traceparentPattern.exec(traceparent?.trim() ?? '');
  if (!match) return ROOT_CONTEXT;
  const span: SpanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(span) ? trace.setSpanContext(ROOT_CONTEXT, span) : ROOT_CONTEXT;
}

/** Where the event a handler works on came from: what a log line written meanwhile says about it. */
export interface MessageContext {
  eventId: string;
  eventType: string;
  correlationId: string;
  causationId: string | null;
  topic: string;
  partition: number;
  offset: string;
  consumerGroup: string;
}

const messages = new AsyncLocalStorage<MessageContext>();

/** The message whose handler is running in this async context, if any (for log lines). */
export const currentMessage = (): MessageContext | undefined => messages.getStore();

export const withMessage = <T>(message: MessageContext, work: () => T): T => messages.run(message, work);
