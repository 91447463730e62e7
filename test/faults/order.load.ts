import { randomUUID } from 'node:crypto';
import { loadStackConfig } from '../../infra/src/config/stack.config';

/**
 * An open-loop load of orders through the HTTP API, as clients would send it
 * during a fault: each order is POSTed at its scheduled instant whatever the
 * earlier ones are doing, with an Idempotency-Key, and retried (same key) on a
 * 503, a time-out or a refused connection until it is accepted — so an order
 * is accepted exactly once even when the orders service dies mid-request.
 *
 * The mix: 70 % pay, 20 % are declined (over the payment limit), 10 % are
 * cancelled by the customer a moment after they were accepted (refunded if
 * their payment went through first).
 */
export type OrderKind = 'pays' | 'declined' | 'cancelled';

export interface PlacedOrder {
  id: string;
  kind: OrderKind;
  email: string;
  acceptedAt: number;
}

export interface LoadResult {
  orders: PlacedOrder[];
  /** Answers that were not 201 on the way (503s during an outage, refused connections while a service restarted). */
  retried: Record<string, number>;
  /** Orders that could not be placed within the give-up time (a failure of the run). */
  gaveUp: number;
}

export interface LoadOptions {
  orders: number;
  ratePerSecond: number;
  runId: string;
  onAccepted?: (order: PlacedOrder) => void;
  /** Called once, when this share (0–1) of the orders has been sent: where a scenario injects its fault. */
  at?: { share: number; run: () => void };
}

const giveUpMs = 120_000;
const payingCents = 2_500;
const declinedCents = 150_000; // over the payments service's default limit (1,000.00)

export async function runOrderLoad(options: LoadOptions): Promise<LoadResult> {
  const base = loadStackConfig().services.orders.url;
  const orders: PlacedOrder[] = [];
  const retried: Record<string, number> = {};
  let gaveUp = 0;
  const note = (what: string) => (retried[what] = (retried[what] ?? 0) + 1);
  const started = Date.now();
  const inFlight: Promise<void>[] = [];

  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const deadline = Date.now() + giveUpMs;
    for (;;) {
      try {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
        if (response.status < 500) return { status: response.status, body: answer };
        note(String(response.status));
      } catch (error) {
        note((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name);
      }
      if (Date.now() > deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  const placeOne = async (n: number) => {
    const kind: OrderKind = n % 10 < 7 ? 'pays' : n % 10 < 9 ? 'declined' : 'cancelled';
    const email = `${options.runId}-${n}@faults.orderflow.test`;
    const body = {
      customerId: `faults-${options.runId}`,
      customerEmail: email,
      currency: 'EUR',
      items: [{ sku: 'FAULT-1', quantity: 1, unitPriceCents: kind === 'declined' ? declinedCents : payingCents }],
    };
    const answer = await request('POST', '/orders', body, { 'Idempotency-Key': `${options.runId}-${n}` });
    if (answer?.status !== 201) {
      gaveUp += 1;
      return;
    }
    const id = String(answer.body.id);
    const order = { id, kind, email, acceptedAt: Date.now() };
    orders.push(order);
    options.onAccepted?.(order);
    if (kind === 'cancelled') {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const cancel = await request('POST', `/orders/${id}/cancel`);
      // 409: the payment was declined first and the order is cancelled already — still a cancelled order.
      if (cancel === undefined || (cancel.status !== 200 && cancel.status !== 409)) gaveUp += 1;
    }
  };

  for (let n = 0; n < options.orders; n += 1) {
    const due = started + (n * 1000) / options.ratePerSecond;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (options.at && n === Math.floor(options.orders * options.at.share)) options.at.run();
    inFlight.push(placeOne(n));
  }
  await Promise.all(inFlight);
  return { orders, retried, gaveUp };
}

export const newRunId = () => `f${Date.now().toString(36)}${randomUUID().slice(0, 4)}`;
