import { bootstrapService } from '@orderflow/platform';
import { AppModule } from './app.module';
import { loadEmailConfig } from './config/email.config';

const config = loadEmailConfig();
void bootstrapService('email', AppModule.forConfig(config), config);
