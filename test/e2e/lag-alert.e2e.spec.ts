import { startService } from '../../infra/src/components/service.component';
import { loadStackConfig } from '../../infra/src/config/stack.config';
import { ProcessRegistry } from '../../infra/src/process/process.registry';
import { anOrderRequest, orderRequest, postOrder } from '../support/orders.client';
import { scrape, sumOf } from '../support/prometheus.text';
import { waitUntil } from '../support/wait-until';

/**
 * The alert rules in the running Prometheus (`stack up --with observability`,
 * which `npm test` brings up): with the payments service stopped while orders
 * keep coming, its group's lag grows and OrderflowConsumerLagGrowing fires;
 * once payments is back the lag returns to 0 and every order placed meanwhile
 * is confirmed. The load is bounded: at most 5 orders a second for at most
 * four minutes. On a freshly started Prometheus the rule needs a couple of
 * minutes of samples: the test's own time-out allows for it.
 */
const config = loadStackConfig();
const registry = new ProcessRegistry(config.dataDir);
const group = 'payments.order-events';

interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}
const alerts = async (): Promise<Alert[]> => {
  const response = await fetch(`${config.prometheus.url}/api/v1/alerts`);
  return ((await response.json()) as { data: { alerts: Alert[] } }).data.alerts;
};
const lagOf = async () => sumOf(await scrape(config.services.orders.url), 'orderflow_consumer_lag_messages', { group });

describe('the lag alert', () => {
  beforeAll(async () => {
    const ready = await fetch(`${config.prometheus.url}/-/ready`).catch(() => undefined);
    if (!ready?.ok) {
      throw new Error(
        `no Prometheus at ${config.prometheus.url}: this test needs \`npm run stack -- up --with observability\``,
      );
    }
  });
  afterAll(async () => {
    // Whatever happened, the stack keeps its payments service.
    await startService(config, registry, 'payments');
  });

  it('fires while payments is stopped under load, and the lag drains once it is back', async () => {
    await registry.stop('payments');
    const placed: string[] = [];
    const deadline = Date.now() + 240_000;
    let firing: Alert | undefined;
    while (!firing && Date.now() < deadline) {
      for (let i = 0; i < 5; i += 1) {
        const order = await postOrder(anOrderRequest());
        expect(order.status).toBe(201);
        placed.push(order.body.id);
      }
      firing = (await alerts()).find(
        (a) => a.labels.alertname === 'OrderflowConsumerLagGrowing' && a.labels.group === group && a.state === 'firing',
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    if (!firing) {
      // What Prometheus saw, for whoever reads the failure.
      const seen = await fetch(
        `${config.prometheus.url}/api/v1/query?query=${encodeURIComponent(`sum by (group) (max by (group, topic, partition) (orderflow_consumer_lag_messages{group="${group}"}))`)}`,
      ).then((r) => r.text());
      throw new Error(
        `no firing OrderflowConsumerLagGrowing for ${group} after ${placed.length} orders; lag on orders' /metrics ` +
          `${await lagOf()}; Prometheus' lag ${seen}; alerts ${JSON.stringify(await alerts())}`,
      );
    }
    expect(firing).toMatchObject({ labels: { severity: 'warning' } });
    expect(await lagOf()).toBeGreaterThan(0);

    await startService(config, registry, 'payments');
    await waitUntil('the payments group has caught up', async () => (await lagOf()) === 0, 120_000, 500);
    await waitUntil(
      'every order placed while payments was away confirmed',
      async () => {
        const last = await orderRequest('GET', `/orders/${placed.at(-1)!}`);
        return last.body.status === 'CONFIRMED';
      },
      120_000,
      500,
    );
  }, 520_000);
});
