import { bootstrapService } from '@orderflow/platform';
import { AppModule } from './app.module';
import { loadPaymentsConfig } from './config/payments.config';

const config = loadPaymentsConfig();
void bootstrapService('payments', AppModule.forConfig(config), config);
