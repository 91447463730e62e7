import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OrderCancelledV1, OrderPlacedV1 } from '@orderflow/events';
import type { Queryable } from '@orderflow/messaging';
import { type PaymentEvent, evolve } from '../domain/payment';
import { decide, isRefundable } from '../domain/payment.decide';
import { PAYMENT_GATEWAY, type PaymentGateway } from '../gateway/payment-gateway.port';
import { type StoredPayment, loadPayment, savePayment } from '../persistence/payment.store';
import { CLOCK, type Clock, ID_GENERATOR, type IdGenerator } from '@orderflow/platform';
import { toEnvelope } from './payment.envelope';

/**
 * What the payments service does about an order's events, each inside the
 * consumer's transaction `tx` (with its inbox row): load the payment → call
 * the gateway (on its own connection, with the order id as idempotency key)
 * → decide → save the state and write the outbox rows.
 */
@Injectable()
export class PaymentCommands {
  private readonly logger = new Logger('PaymentCommands');

  constructor(
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /** OrderPlaced → authorize the order's total → PaymentAuthorized or PaymentDeclined. */
  async authorizeOrder(tx: Queryable, placed: OrderPlacedV1): Promise<void> {
    const orderId = placed.aggregateId;
    const { totalCents: amountCents, currency } = placed.payload;
    const stored = await loadPayment(tx, orderId);
    // Called even if the payment exists: the key makes it harmless, and decide then refuses.
    const outcome = await this.gateway.authorize({ idempotencyKey: orderId, amountCents, currency });
    const events = decide(
      { type: 'AuthorizePayment', data: { orderId, amountCents, currency, outcome }, metadata: this.metadata() },
      stored.state,
    );
    await this.append(tx, stored, events, placed);
    this.logger.debug(`order ${orderId}: ${events.map((e) => e.type).join(', ') || 'nothing to do'}`);
  }

  /** OrderCancelled → refund an authorized payment → PaymentRefunded; a declined or unknown one is left alone. */
  async refundCancelledOrder(tx: Queryable, cancelled: OrderCancelledV1): Promise<void> {
    const orderId = cancelled.aggregateId;
    const stored = await loadPayment(tx, orderId);
    if (!isRefundable(stored.state)) return;
    const { authorizationId, amountCents, currency } = stored.state;
    const events = decide(
      {
        type: 'RefundPayment',
        data: { orderId, reason: `order cancelled: ${cancelled.payload.reason}` },
        metadata: this.metadata(),
      },
      stored.state,
    );
    await this.gateway.refund({ idempotencyKey: orderId, authorizationId, amountCents, currency });
    await this.append(tx, stored, events, cancelled);
    this.logger.debug(`order ${orderId}: refunded (${events.map((e) => e.type).join(', ')})`);
  }

  private metadata() {
    return { now: this.clock.now() };
  }

  private async append(
    tx: Queryable,
    stored: StoredPayment,
    events: PaymentEvent[],
    cause: OrderPlacedV1 | OrderCancelledV1,
  ): Promise<void> {
    const state = events.reduce(evolve, stored.state);
    const envelopes = events.map((event, i) =>
      toEnvelope(event, { eventId: this.ids.next(), aggregateVersion: stored.version + i + 1, cause }),
    );
    await savePayment(tx, state, stored.version, stored.version + events.length, envelopes);
  }
}
