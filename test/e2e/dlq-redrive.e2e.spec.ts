import { randomUUID } from 'node:crypto';
import { Headers, Topics } from '@orderflow/events';
import { type RecordProducer, createKafka } from '@orderflow/messaging';
import { loadStackConfig } from '../../infra/src/config/stack.config';
import { runCli } from '../support/cli';
import { anEnvelope } from '../support/event.factory';
import { TopicTail } from '../support/topic.tail';
import { waitUntil } from '../support/wait-until';

/**
 * `npm run dlq` against the running stack, as a user runs it. A
 * PaymentAuthorized for an order that does not exist is poison for good:
 * orders' payment-events consumer refuses it (ORDER_NOT_FOUND) and dead-letters
 * it on orders.dlq. It is listed, redriven back to payments.events as it was,
 * refused again (a new dead letter, naming the one it bounced from), and the
 * first dead letter cannot be redriven a second time.
 *
 * The message goes to the real payments.events: nothing but orders acts on a
 * PaymentAuthorized (email has no handler for it), and orders changes nothing
 * for an order it does not know. Its order id is this run's own, so the other
 * dead letters orders.dlq keeps (for ever) do not confuse the test.
 */
const config = loadStackConfig();
const brokers = [config.kafka.bootstrap];

/** The command behind `npm run dlq`. */
const dlq = (...args: string[]) => runCli('infra/src/cli/dlq.cli.ts', ...args);

interface Listed {
  service: string;
  deadLetter: { topic: string; partition: number; offset: string };
  eventId: string | null;
  eventType: string | null;
  key: string | null;
  source: { topic: string; partition: number; offset: string } | null;
  consumerGroup: string | null;
  code: string | null;
  reason: string | null;
  redrivenFrom: string | null;
  redriven: { at: string; to: { topic: string; partition: number; offset: string } } | null;
}
const listOrders = async (): Promise<Listed[]> => {
  const { code, stdout, stderr } = await dlq('list', '--service', 'orders', '--json');
  if (code !== 0) throw new Error(`dlq list exited ${code}: ${stderr}`);
  return JSON.parse(stdout) as Listed[];
};
const deadLettersOf = async (eventId: string, count: number) =>
  waitUntil(
    `${count} dead letter(s) of ${eventId} listed`,
    async () => {
      const mine = (await listOrders()).filter((l) => l.eventId === eventId);
      return mine.length >= count && mine;
    },
    60_000,
    250,
  );

let producer: RecordProducer;
let tail: TopicTail;
beforeAll(async () => {
  // Partitions as Debezium's (Java) producer and the redriver do: one key, one partition.
  producer = createKafka('dlq-e2e', brokers, { logLevel: 'nothing' }).safeProducer();
  await producer.connect();
  tail = await TopicTail.start(brokers, Topics.paymentsEvents);
});
afterAll(async () => {
  await tail.stop();
  await producer.disconnect();
});

describe('dlq redrive', () => {
  it('lists a dead letter, redrives it once as it was, and refuses to redrive it again', async () => {
    const orderId = randomUUID();
    const event = anEnvelope(
      'PaymentAuthorized',
      1,
      'payments',
      { amountCents: 1_234, currency: 'EUR', authorizationId: `dlq-e2e-${orderId}` },
      { aggregateId: orderId },
    );
    const headers = {
      [Headers.eventId]: event.eventId,
      [Headers.eventType]: event.type,
      [Headers.schemaVersion]: '1',
      [Headers.correlationId]: event.correlationId,
      'orderflow-test': 'dlq-redrive.e2e',
    };

    await producer.send(Topics.paymentsEvents, [{ key: orderId, value: JSON.stringify(event), headers }]);
    const arrived = await tail.waitFor('the event on payments.events', (ms) => ms.some((m) => m.key === orderId));
    const sent = arrived.find((m) => m.key === orderId)!;

    // Listed, with where it came from and why.
    const [listed] = await deadLettersOf(event.eventId, 1);
    expect(listed).toMatchObject({
      service: 'orders',
      deadLetter: { topic: Topics.ordersDeadLetter },
      eventType: 'PaymentAuthorized',
      key: orderId,
      source: { topic: Topics.paymentsEvents, partition: sent.partition, offset: sent.offset },
      consumerGroup: 'orders.payment-events',
      // ORDER_NOT_FOUND once the consumer carries domain codes into dlq.code; HANDLER_FAILED before.
      code: expect.stringMatching(/^(ORDER_NOT_FOUND|HANDLER_FAILED)$/),
      reason: expect.stringContaining(`order ${orderId} does not exist`),
      redriven: null,
    });
    const first = listed!.deadLetter;
    const firstLabel = `${first.topic}/${first.partition}/${first.offset}`;

    // Redriven: back on payments.events with the same key, value and headers.
    const redrive = await dlq('redrive', '--service', 'orders', '--id', event.eventId);
    expect(redrive).toMatchObject({ code: 0, stdout: expect.stringContaining(`redriven ${firstLabel}`) });
    const copies = await tail.waitFor('the redriven copy', (ms) => ms.filter((m) => m.key === orderId).length === 2);
    const copy = copies.filter((m) => m.key === orderId)[1]!;
    expect(copy).toMatchObject({ partition: sent.partition, value: sent.value });
    expect(copy.headers).toEqual({ ...sent.headers, 'dlq.redriven.from': firstLabel });

    // Still poison: dead-lettered again, a new dead letter that names the one it bounced from.
    const [redriven, bounced] = await deadLettersOf(event.eventId, 2);
    expect(redriven).toMatchObject({
      deadLetter: first,
      redriven: {
        at: expect.any(String),
        to: { topic: Topics.paymentsEvents, partition: copy.partition, offset: copy.offset },
      },
    });
    expect(bounced).toMatchObject({
      redrivenFrom: firstLabel,
      source: { topic: Topics.paymentsEvents, offset: copy.offset },
      redriven: null,
    });

    // The first dead letter again: refused, nothing sent.
    const again = await dlq('redrive', '--service', 'orders', '--offset', first.offset);
    expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining(`${firstLabel} (event ${event.eventId}`) });
    expect(again.stderr).toContain('already redriven');
    // An event with no dead letter: refused.
    const unknown = await dlq('redrive', '--service', 'orders', '--id', randomUUID());
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining('no dead letter of event') });
    expect(tail.messages.filter((m) => m.key === orderId)).toHaveLength(2);

    // The readable list says the same.
    const table = await dlq('list', '--service', 'orders');
    const lines = table.stdout.split('\n').filter((line) => line.includes(event.eventId));
    expect(lines).toEqual([
      expect.stringContaining(redriven!.redriven!.at),
      expect.stringContaining(`bounced from ${firstLabel}`),
    ]);
  });

  it('answers bad arguments with its usage and exit code 2', async () => {
    const neither = await dlq('redrive', '--service', 'orders');
    expect(neither).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run dlq -- redrive') });
    expect((await dlq('list', '--service', 'shipping')).code).toBe(2);
    expect(await dlq('list', '--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('usage') });
  });
});
