import type { DynamicModule, INestApplication, NestApplicationOptions } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connectEventConsumers } from '../messaging/event-consumers.connect';
import { observeHttp } from '../observability/http.observability';
import type { ServiceEnv } from '../service.config';
import { createFastifyAdapter } from './fastify.adapter';

/**
 * A service's Nest app on the HTTP server `adapter` names, every request
 * observed (metrics, SERVER span). Controllers, filters and interceptors reach
 * the request and response only through Nest (`HttpAdapterHost`, `@Res`
 * passthrough), so they run unchanged on either. Under Fastify Nest's own
 * body parsers are off: fastify.adapter.ts reads bodies as Express does.
 * The app is hybrid: its consumer controllers are connected (not started; see
 * startEventConsumers), whichever the HTTP server.
 */
export async function createHttpApp(
  module: DynamicModule,
  adapter: ServiceEnv['HTTP_ADAPTER'],
  options: NestApplicationOptions = {},
): Promise<INestApplication> {
  const app =
    adapter === 'fastify'
      ? await NestFactory.create<NestFastifyApplication>(module, createFastifyAdapter(), {
          ...options,
          bodyParser: false,
        })
      : await NestFactory.create(module, options);
  observeHttp(app);
  connectEventConsumers(app);
  return app;
}
