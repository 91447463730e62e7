import { randomUUID } from 'node:crypto';
import { Topics } from '@orderflow/events';
import { type Tail, createKafka } from '@orderflow/messaging';
import { loadStackConfig } from '../../infra/src/config/stack.config';
import { anOrderRequest, inParallel, orderRequest, postOrder } from '../support/orders.client';
import { scrape, sumOf } from '../support/prometheus.text';
import { waitUntil } from '../support/wait-until';

/**
 * The services' /metrics after a known workload. The suite's files run one
 * at a time, so the orders placed here are the only ones meanwhile.
 */
const config = loadStackConfig();
const { orders, payments } = config.services;

describe('operations metrics', () => {
  it('counts N placed orders as N OrderPlaced processed by payments, and N POST /orders answered 201', async () => {
    const group = { group: 'payments.order-events', topic: Topics.ordersEvents };
    const before = await scrape(payments.url);
    const httpBefore = await scrape(orders.url);
    const N = 12;
    const placed = await inParallel(Array.from({ length: N }), 4, () => postOrder(anOrderRequest()));
    expect(placed.map((p) => p.status)).toEqual(Array(N).fill(201));
    await waitUntil('every order confirmed', async () => {
      const states = await Promise.all(placed.map((p) => orderRequest('GET', `/orders/${p.body.id}`)));
      return states.every((s) => s.body.status === 'CONFIRMED');
    });

    const after = await scrape(payments.url);
    const delta = (name: string, where: Record<string, string>) =>
      sumOf(after, name, where) - sumOf(before, name, where);
    // Payments handles OrderPlaced (and a cancellation); the OrderConfirmed that follow are skipped, not processed.
    expect(delta('orderflow_consumer_messages_total', group)).toBe(N);
    expect(delta('orderflow_consumer_event_duration_seconds_count', group)).toBe(N);
    expect(delta('orderflow_consumer_duplicates_total', group)).toBe(0);
    expect(delta('orderflow_dead_letters_total', { group: group.group })).toBe(0);
    expect(delta('orderflow_consumer_unit_duration_seconds_count', { group: group.group })).toBeGreaterThan(0);

    const httpAfter = await scrape(orders.url);
    const posted = { method: 'POST', route: '/orders', status: '201' };
    expect(
      sumOf(httpAfter, 'orderflow_http_requests_total', posted) -
        sumOf(httpBefore, 'orderflow_http_requests_total', posted),
    ).toBe(N);
    expect(sumOf(httpAfter, 'orderflow_http_request_duration_seconds_count', posted)).toBeGreaterThanOrEqual(N);
    // The route, never the path: no series per order id.
    expect(httpAfter.some((s) => s.name === 'orderflow_http_requests_total' && s.labels.route === '/orders/:id')).toBe(
      true,
    );
    expect(httpAfter.some((s) => s.labels.route?.includes(placed[0]!.body.id))).toBe(false);
  });

  it("reports a stopped consumer's lag rising, with its age, and back to 0 once it consumes again", async () => {
    // A group of the project's (`payments.` prefix) that this test stops and starts: a real member of a
    // real group on orders.events, whose lag the orders service reads from the broker like any other.
    const groupId = `payments.lag-probe-${randomUUID()}`;
    const kafka = createKafka('lag-probe', [config.kafka.bootstrap], { logLevel: 'nothing' });
    const lagOf = async () => {
      const samples = await scrape(orders.url);
      return {
        messages: sumOf(samples, 'orderflow_consumer_lag_messages', { group: groupId, topic: Topics.ordersEvents }),
        seconds: Math.max(
          0,
          ...samples
            .filter((s) => s.name === 'orderflow_consumer_lag_seconds' && s.labels.group === groupId)
            .map((s) => s.value),
        ),
      };
    };
    const admin = kafka.admin();
    await admin.connect();
    let consumer: Tail | undefined;
    try {
      // The group starts at the end of every partition, with no member running: a stopped consumer.
      const ends = await admin.topicOffsets(Topics.ordersEvents);
      await admin.setCommittedOffsets(
        groupId,
        Topics.ordersEvents,
        ends.map((e) => ({ partition: e.partition, offset: e.high })),
      );
      await waitUntil('the orders service reads the new group, with no lag', async () => {
        const samples = await scrape(orders.url);
        return samples.some((s) => s.name === 'orderflow_consumer_lag_messages' && s.labels.group === groupId);
      });
      expect((await lagOf()).messages).toBe(0);

      // Stopped: orders keep coming.
      const placed = await inParallel(Array.from({ length: 5 }), 5, () => postOrder(anOrderRequest()));
      expect(placed.every((p) => p.status === 201)).toBe(true);
      await waitUntil('the stopped group lags by the new events, for a measurable time', async () => {
        const lag = await lagOf();
        return lag.messages >= 5 && lag.seconds > 0;
      });

      // Started: it consumes from its committed offsets and commits after each batch.
      consumer = kafka.tail({ groupId, topics: [Topics.ordersEvents], fetchMaxWaitMs: 100, commits: true });
      await consumer.run(() => undefined);
      await waitUntil('the lag is back to 0 once the group consumes again', async () => (await lagOf()).messages === 0);
    } finally {
      await consumer?.stop();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
