import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { inTransaction } from '@orderflow/messaging';
import { ID_GENERATOR, type IdGenerator, PG_POOL } from '@orderflow/platform';
import type { Pool } from 'pg';
import { fold, type Order } from '../domain/order';
import type { PlaceOrder } from '../domain/order.decide';
import { OrderError, asOrder } from '../domain/order.errors';
import { loadOrderEvents } from '../persistence/order-event.store';
import { OrderCommands } from './order.commands';

/**
 * POST /orders. With an Idempotency-Key, the key is claimed in the same
 * transaction that places the order: a retry (even a concurrent one, which
 * waits on the key's row) finds the key and gets the first order back.
 */
@Injectable()
export class PlaceOrderHandler {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    private readonly commands: OrderCommands,
  ) {}

  async place(data: PlaceOrder['data'], idempotencyKey?: string): Promise<{ order: Order; replayed: boolean }> {
    const orderId = this.ids.next();
    const command: PlaceOrder = { type: 'PlaceOrder', data };
    if (!idempotencyKey) return { order: await this.commands.execute(orderId, command), replayed: false };

    const requestHash = createHash('sha256').update(JSON.stringify(data)).digest('hex');
    return inTransaction(this.pool, async (tx) => {
      const claimed = await tx.query(
        `INSERT INTO idempotency_keys (key, order_id, request_hash) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO NOTHING`,
        [idempotencyKey, orderId, requestHash],
      );
      if (claimed.rowCount === 1)
        return { order: await this.commands.executeIn(tx, orderId, command, {}), replayed: false };

      const { rows } = await tx.query<{ order_id: string; request_hash: string }>(
        'SELECT order_id, request_hash FROM idempotency_keys WHERE key = $1',
        [idempotencyKey],
      );
      const first = rows[0]!;
      if (first.request_hash !== requestHash) {
        throw new OrderError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different order');
      }
      return { order: asOrder(fold(await loadOrderEvents(tx, first.order_id)), first.order_id), replayed: true };
    });
  }
}
