import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { createKafka } from '@orderflow/messaging';
import { CLOCK, systemClock } from './clock.port';
import { PG_POOL, PoolCloser, createPool } from './database.provider';
import { MalformedRequestFilter } from './http/malformed-request.filter';
import { RequestValidationFilter } from './http/zod-validation.pipe';
import { ID_GENERATOR, randomIds } from './id-generator.port';
import { outboxPrunerProvider } from './outbox-pruner.lifecycle';
import { KAFKA } from './kafka.provider';
import { HealthController } from './health/health.controller';
import { ReadinessRegistry } from './health/readiness.registry';
import { ServiceUnavailableInterceptor } from './http/service-unavailable.interceptor';
import { MetricsController } from './metrics/metrics.controller';
import { operationsMetricsProvider } from './metrics/operations-metrics.lifecycle';
import { loggingModule } from './observability/logging.module';
import { TracingShutdown, startTracing } from './observability/tracing';
import { SERVICE_CONFIG, type ServiceEnv } from './service.config';

/**
 * The shared edge of every service: its database pool, its Kafka client, the
 * clock and id ports, `/health`, `/metrics`, tracing (the OpenTelemetry SDK,
 * registered here, before the app exists) and JSON logs.
 */
@Module({})
export class PlatformModule {
  static forService(config: ServiceEnv): DynamicModule {
    const tracing = startTracing(config.SERVICE_NAME);
    return {
      module: PlatformModule,
      global: true,
      imports: [TerminusModule.forRoot({ logger: false }), loggingModule(config.SERVICE_NAME)],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: PG_POOL, useFactory: () => createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE) },
        { provide: KAFKA, useFactory: () => createKafka(config.SERVICE_NAME, config.KAFKA_BROKERS) },
        { provide: CLOCK, useValue: systemClock },
        { provide: ID_GENERATOR, useValue: randomIds },
        { provide: APP_FILTER, useClass: RequestValidationFilter },
        { provide: APP_FILTER, useClass: MalformedRequestFilter },
        { provide: APP_INTERCEPTOR, useClass: ServiceUnavailableInterceptor },
        ReadinessRegistry,
        outboxPrunerProvider(config),
        operationsMetricsProvider(config),
        PoolCloser,
        { provide: TracingShutdown, useValue: new TracingShutdown(tracing) },
      ],
      exports: [SERVICE_CONFIG, PG_POOL, KAFKA, CLOCK, ID_GENERATOR, ReadinessRegistry],
    };
  }
}
