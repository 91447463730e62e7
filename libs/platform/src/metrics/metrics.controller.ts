import { Controller, Get, Header } from '@nestjs/common';
import { metricsRegistry } from './metrics.registry';

/** `GET /metrics`: Prometheus text format. */
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('content-type', metricsRegistry.contentType)
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
