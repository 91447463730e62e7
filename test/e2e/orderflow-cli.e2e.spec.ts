import { Topics } from '@orderflow/events';
import { loadStackConfig } from '../../infra/src/config/stack.config';
import { runCli } from '../support/cli';
import { anOrderRequest, orderRequest, postOrder } from '../support/orders.client';
import { waitUntil } from '../support/wait-until';

/**
 * `npm run orderflow -- <command>` against the running stack, as an operator
 * runs it: one real order is placed and followed through every command.
 */
const orderflow = (...args: string[]) => runCli('infra/src/cli/orderflow.cli.ts', ...args);
const config = loadStackConfig();

const emailsOf = async (orderId: string) => {
  const response = await fetch(`${config.services.email.url}/emails?orderId=${orderId}`);
  return ((await response.json()) as { emails: { kind: string }[] }).emails;
};

describe('npm run orderflow', () => {
  let orderId: string;

  beforeAll(async () => {
    const placed = await postOrder(anOrderRequest({ customerEmail: 'cli@example.com' }));
    expect(placed.status).toBe(201);
    orderId = placed.body.id;
    // The whole saga: confirmed, and both emails sent (and their EmailSent relayed).
    await waitUntil('order confirmed and both emails sent', async () => {
      const order = (await orderRequest('GET', `/orders/${orderId}`)).body;
      return order.status === 'CONFIRMED' && (await emailsOf(orderId)).length === 2;
    });
  });

  it('order ORDER_ID prints the whole saga across the services, in the order it happened', async () => {
    let story: { topic: string; type: string; sinceStartMs: number; relayMs: number | null }[] = [];
    await waitUntil('both EmailSent relayed to email.events', async () => {
      const result = await orderflow('order', orderId, '--json');
      expect(result).toMatchObject({ code: 0 });
      story = JSON.parse(result.stdout) as typeof story;
      return story.filter((s) => s.type === 'EmailSent').length === 2;
    });
    // Placed first, confirmed after its authorization; the order-received email may be sent before or after
    // the confirmation, the confirmation email only after it.
    const types = story.map((s) => s.type);
    expect([...types].sort()).toEqual(['EmailSent', 'EmailSent', 'OrderConfirmed', 'OrderPlaced', 'PaymentAuthorized']);
    expect(types[0]).toBe('OrderPlaced');
    expect(types.indexOf('PaymentAuthorized')).toBeLessThan(types.indexOf('OrderConfirmed'));
    expect(types.at(-1)).toBe('EmailSent');
    expect(new Set(story.map((s) => s.topic))).toEqual(
      new Set([Topics.ordersEvents, Topics.paymentsEvents, Topics.emailEvents]),
    );
    expect(story[0]!.sinceStartMs).toBe(0);
    expect(story.every((s, i) => i === 0 || s.sinceStartMs >= story[i - 1]!.sinceStartMs)).toBe(true);
    expect(story.every((s) => s.relayMs !== null && s.relayMs >= 0)).toBe(true);

    const text = await orderflow('order', orderId);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/OrderPlaced[\s\S]*PaymentAuthorized[\s\S]*OrderConfirmed/);
    expect(text.stdout).toContain('5 events over');
  });

  it('order answers an unknown id with exit code 1', async () => {
    const result = await orderflow('order', '00000000-0000-4000-8000-000000000000');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no events keyed');
  });

  it('tail --key --from-beginning prints the order its events, decoded', async () => {
    const result = await orderflow(
      'tail',
      Topics.ordersEvents,
      '--key',
      orderId,
      '--from-beginning',
      '--max',
      '2',
      '--json',
    );
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; type: string });
    expect(lines.map((l) => [l.key, l.type])).toEqual([
      [orderId, 'OrderPlaced'],
      [orderId, 'OrderConfirmed'],
    ]);
  });

  it('tail prints what arrives while it runs, for as long as it is told', async () => {
    const tailing = orderflow('tail', Topics.ordersEvents, '--for', '20', '--max', '1', '--json');
    // Give the tail time to join before the order it must see.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const placed = await postOrder(anOrderRequest());
    const result = await tailing;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim()) as { key: string; type: string }).toMatchObject({
      key: placed.body.id,
      type: 'OrderPlaced',
    });
  });

  it('lag lists every group of the services, per topic and partition', async () => {
    const result = await orderflow('lag', '--json');
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as { group: string; topic: string; partition: number; messages: number }[];
    expect(rows.filter((r) => r.group === 'payments.order-events' && r.topic === Topics.ordersEvents)).toHaveLength(6);
    expect([...new Set(rows.map((r) => r.group))]).toEqual(
      expect.arrayContaining([
        'email.notifications',
        'orders.payment-events',
        'orders.read-model',
        'payments.order-events',
      ]),
    );
    expect(rows.every((r) => r.messages >= 0)).toBe(true);
    const text = await orderflow('lag', '--group', 'payments.order-events');
    expect(text.stdout).toContain('payments.order-events');
    expect(text.stdout).toMatch(/total lag: \d+ messages/);
  });

  it('topics shows partitions, offsets and configs', async () => {
    const result = await orderflow('topics', '--json');
    expect(result.code).toBe(0);
    const topics = JSON.parse(result.stdout) as {
      topic: string;
      partitions: unknown[];
      messages: number;
      configs: Record<string, string>;
    }[];
    const events = topics.find((t) => t.topic === Topics.ordersEvents);
    expect(events).toMatchObject({ partitions: expect.any(Array) as unknown[] });
    expect(events!.partitions).toHaveLength(6);
    expect(events!.messages).toBeGreaterThan(0);
    expect(events!.configs['cleanup.policy']).toBe('delete');
    expect(topics.find((t) => t.topic === Topics.ordersState)?.configs['cleanup.policy']).toBe('compact');
    expect(topics.some((t) => t.topic.startsWith('__'))).toBe(false);
  });

  it('dlq list is the same command under the admin CLI', async () => {
    const result = await orderflow('dlq', 'list', '--service', 'orders', '--json');
    expect(result.code).toBe(0);
    expect(Array.isArray(JSON.parse(result.stdout))).toBe(true);
  });

  it('replay --order folds the order from orders.events', async () => {
    const result = await orderflow('replay', '--order', orderId);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('CONFIRMED');
  });

  it('answers --help on every command, and a bad call with its usage and exit code 2', async () => {
    for (const command of ['lag', 'topics', 'tail', 'order', 'replay']) {
      const help = await orderflow(command, '--help');
      expect({ command, code: help.code, usage: help.stdout.includes(`npm run orderflow -- ${command}`) }).toEqual({
        command,
        code: 0,
        usage: true,
      });
    }
    expect(await orderflow('dlq', 'list', '--help')).toMatchObject({ code: 0 });
    expect(await orderflow('--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('order ORDER_ID') });
    expect(await orderflow('nonsense')).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command') });
    expect(await orderflow('tail')).toMatchObject({ code: 2, stderr: expect.stringContaining('one TOPIC') });
    expect(await orderflow('lag', '--bogus')).toMatchObject({ code: 2 });
  });
});
