import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/**
 * Swagger UI at `/docs`, the OpenAPI document at `/docs-json`. Under Fastify
 * Swagger serves the UI's files with @fastify/static (a dependency of orders
 * for that reason); under Express with serve-static.
 */
export function serveOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Orderflow orders').setDescription('Event-sourced orders').setVersion('1').build(),
  );
  SwaggerModule.setup('docs', app, document);
}
