import { loadStackConfig } from '../../infra/src/config/stack.config';

/** A small HTTP client for the orders API, as an outside client would use it. */
const base = () => loadStackConfig().services.orders.url;

export interface OrderResponse {
  id: string;
  status: string;
  totalCents: number;
  version: number;
  [field: string]: unknown;
}

export const anOrderRequest = (overrides: Record<string, unknown> = {}) => ({
  customerId: 'c-e2e',
  customerEmail: 'e2e@example.com',
  currency: 'EUR',
  items: [{ sku: 'BOOK-1', quantity: 1, unitPriceCents: 2500 }],
  ...overrides,
});

export async function postOrder(body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base()}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as OrderResponse & { message?: string },
  };
}

export async function orderRequest(method: 'GET' | 'POST', path: string) {
  const response = await fetch(`${base()}${path}`, { method });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function inParallel<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!);
      }
    }),
  );
  return results;
}
