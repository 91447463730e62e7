import 'reflect-metadata';
import { type DynamicModule, type INestApplication, Logger } from '@nestjs/common';
import { Logger as PinoLogger } from 'nestjs-pino';
import { createHttpApp } from './http/http-app.factory';
import type { ServiceEnv } from './service.config';

/**
 * Starts a service's HTTP app (Express or Fastify, as HTTP_ADAPTER says) on
 * HOST:PORT with shutdown hooks, so SIGTERM runs every `onApplicationShutdown`
 * (consumers finish and commit, pools close).
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
  await app.listen(config.PORT, config.HOST);
  new Logger(name).log(`listening on http://${config.HOST}:${config.PORT} (${config.HTTP_ADAPTER})`);
}
