import type { OnApplicationShutdown } from '@nestjs/common';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface Tracing {
  /** Whether finished spans leave the process (OTLP over HTTP), or only their ids travel (logs, headers). */
  exporting: boolean;
  /** Exports what is buffered (the provider stays: a test process may start another app). */
  flush(): Promise<void>;
}

/**
 * The service's OpenTelemetry SDK, registered before anything else runs:
 * every span has real ids (they go into outbox rows, Kafka headers and log
 * lines) whether or not spans are exported. Export is off unless an OTLP
 * endpoint is configured the standard way (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; OTEL_TRACES_EXPORTER=none turns it off
 * again); the exporter then reads the other OTEL_EXPORTER_OTLP_* settings.
 */
let started: Tracing | undefined;

/** Once per process: a second call (a test starting several apps) gets the first one's. */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Tracing {
  started ??= register(serviceName, env);
  return started;
}

function register(serviceName: string, env: NodeJS.ProcessEnv): Tracing {
  const exporting =
    env.OTEL_TRACES_EXPORTER !== 'none' &&
    Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? serviceName }),
    spanProcessors: exporting ? [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1_000 })] : [],
  });
  // The AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  return { exporting, flush: () => provider.forceFlush() };
}

/** Exports the spans still buffered when the app stops (after the consumers stopped). */
export class TracingShutdown implements OnApplicationShutdown {
  constructor(private readonly tracing: Tracing) {}

  async onApplicationShutdown(): Promise<void> {
    await this.tracing.flush().catch(() => undefined);
  }
}
