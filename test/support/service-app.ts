import type { DynamicModule, INestApplication } from '@nestjs/common';
import { createHttpApp, startEventConsumers } from '@orderflow/platform';

/** A service's real Nest app — HTTP and consumers, built as bootstrapService builds it — in the test process, on a free loopback port. */
export async function startServiceApp(module: DynamicModule): Promise<{ app: INestApplication; url: string }> {
  const app = await createHttpApp(module, 'express', { logger: false });
  await startEventConsumers(app);
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}
