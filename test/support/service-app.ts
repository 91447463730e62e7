import type { DynamicModule, INestApplication } from '@nestjs/common';
import { DEFAULT_HTTP_ADAPTER, createHttpApp, startEventConsumers } from '@orderflow/platform';
import { loadStackConfig } from '../../infra/src/config/stack.config';

/**
 * A service's real Nest app — HTTP and consumers, built as bootstrapService builds it — in the test process, on a
 * free loopback port, on the HTTP adapter the stack's services run on (ORDERFLOW_HTTP_ADAPTER, else the default).
 */
export async function startServiceApp(module: DynamicModule): Promise<{ app: INestApplication; url: string }> {
  const adapter = loadStackConfig().httpAdapter ?? DEFAULT_HTTP_ADAPTER;
  const app = await createHttpApp(module, adapter, { logger: false });
  await startEventConsumers(app);
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}
