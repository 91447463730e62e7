import 'reflect-metadata';
import { type DynamicModule, type INestApplication, Logger } from '@nestjs/common';
import { Logger as PinoLogger } from 'nestjs-pino';
import { createHttpApp } from './http/http-app.factory';
import { startEventConsumers } from './messaging/event-consumers.connect';
import type { ServiceEnv } from './service.config';

/**
 * Starts a service's HTTP app (Express or Fastify, as HTTP_ADAPTER says) on
 * HOST:PORT and its consumers, with shutdown hooks: SIGTERM closes the app as
 * `app.close()` does (consumers finish and commit, then pools close).
 */
export async function bootstrapService(
  name: string,
  module: DynamicModule,
  config: ServiceEnv,
  configure: (app: INestApplication) => void = () => undefined,
): Promise<void> {
  const app = await createHttpApp(module, config.HTTP_ADAPTER, { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  app.enableShutdownHooks();
  configure(app);
  await startEventConsumers(app);
  await app.listen(config.PORT, config.HOST);
  new Logger(name).log(`listening on http://${config.HOST}:${config.PORT} (${config.HTTP_ADAPTER})`);
}
