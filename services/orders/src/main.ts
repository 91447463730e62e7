import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { bootstrapService } from '@orderflow/platform';
import { AppModule } from './app.module';
import { loadOrdersConfig } from './config/orders.config';

const config = loadOrdersConfig();
void bootstrapService('orders', AppModule.forConfig(config), config, (app) => {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Orderflow orders').setDescription('Event-sourced orders').setVersion('1').build(),
  );
  SwaggerModule.setup('docs', app, document);
});
