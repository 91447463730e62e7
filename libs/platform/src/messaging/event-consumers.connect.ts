import type { INestApplication } from '@nestjs/common';
import type { CustomStrategy } from '@nestjs/microservices';
import { KafkaEventsTransport } from './kafka-events.transport';

/**
 * Makes the app hybrid: its `@ConsumerGroup` controllers consume through
 * KafkaEventsTransport. Not `inheritAppConfig`: the HTTP app's global
 * filters and interceptors answer requests, and must not see a consumer's errors.
 */
export function connectEventConsumers(app: INestApplication): void {
  app.connectMicroservice<CustomStrategy>({ strategy: new KafkaEventsTransport(app) });
}

/**
 * Starts the consumers once the app is initialized, its bootstrap hooks run:
 * a handler may count on what they start.
 */
export async function startEventConsumers(app: INestApplication): Promise<void> {
  await app.init();
  await app.startAllMicroservices();
}
