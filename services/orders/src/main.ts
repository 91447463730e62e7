import { bootstrapService } from '@orderflow/platform';
import { AppModule } from './app.module';
import { loadOrdersConfig } from './config/orders.config';
import { serveOpenApi } from './http/openapi.docs';

const config = loadOrdersConfig();
void bootstrapService('orders', AppModule.forConfig(config), config, serveOpenApi);
