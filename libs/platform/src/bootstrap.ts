import 'reflect-metadata';
import { type DynamicModule, type INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { httpObservability } from './observability/http.observability';
import type { ServiceEnv } from './service.config';

/**
 * Starts a service's HTTP app on HOST:PORT with shutdown hooks, so SIGTERM
 * runs every `onApplicationShutdown` (consumers finish and commit, pools close).
 */
export async function bootstrapService(
  name: string,
  module: DynamicModule,
  config: ServiceEnv,
  configure: (app: INestApplication) => void = () => undefined,
): Promise<void> {
  const app = await NestFactory.create(module, { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  app.enableShutdownHooks();
  app.use(httpObservability);
  configure(app);
  await app.listen(config.PORT, config.HOST);
  new Logger(name).log(`listening on http://${config.HOST}:${config.PORT}`);
}
