import { Controller, Get } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Pool } from 'pg';
import { kafkaClientLibrary } from '@orderflow/messaging';
import { InjectPool } from '../database.provider';
import { ReadinessRegistry } from './readiness.registry';

/**
 * `GET /health/live`: 200 while the process serves HTTP (it does from its
 * first second, before its consumers have joined their groups).
 * `GET /health` and `GET /health/ready`: 200 when the service can do its
 * work — its database answers, every consumer has joined its group and none
 * is blocked — 503 otherwise, naming what is not ready and why (a blocked
 * partition's error, the SMTP server's answer).
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly registry: ReadinessRegistry,
    private readonly adapterHost: HttpAdapterHost,
    @InjectPool() private readonly pool: Pool,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.ready();
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.database(),
      ...this.registry.reports().map(({ name, report }) => () => {
        const check = this.indicator.check(name);
        return report.ready ? check.up(report.details) : check.down(report.details);
      }),
    ]);
  }

  @Get('live')
  live() {
    const kafka = kafkaClientLibrary();
    return {
      status: 'ok',
      uptimeSeconds: Math.round(process.uptime()),
      node: process.version,
      kafkaClient: `${kafka.name} ${kafka.version}`,
      httpAdapter: this.adapterHost.httpAdapter.getType(),
    };
  }

  private async database() {
    const check = this.indicator.check('database');
    try {
      await this.pool.query('SELECT 1');
      return check.up();
    } catch (error) {
      return check.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
