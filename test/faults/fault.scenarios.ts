import { Headers, Topics } from '@orderflow/events';
import { createKafka } from '@orderflow/messaging';
import type { StackConfig } from '../../infra/src/config/stack.config';
import type { StreamRecorder } from './saga.books';
import { StackFaults, sleep } from './stack.faults';

/**
 * One fault, injected while orders flow: `inject` breaks something and mends
 * it, and resolves with the instant the mending was done (the start of the
 * recovery the suite times).
 */
export interface FaultContext {
  config: StackConfig;
  faults: StackFaults;
  recorder: StreamRecorder;
  /** Ids of orders accepted so far (poison and duplicates are keyed by them). */
  orderIds: () => string[];
  short: boolean;
}

export interface Scenario {
  name: string;
  what: string;
  /** In the short version that `npm test` runs. */
  inShort: boolean;
  /** Dead letters the scenario itself causes (poison); 0 for every other fault. */
  expectedDeadLetters: number;
  /** Copies of an email the SMTP server may receive twice: the sends in flight when the email service is SIGKILLed. */
  smtpDuplicatesAllowed: number;
  inject: (ctx: FaultContext) => Promise<number>;
  /** Brings the stack to the shape the scenario needs before its load, and back after its books. */
  prepare?: (ctx: Pick<FaultContext, 'config' | 'faults'>) => Promise<void>;
  cleanup?: (ctx: Pick<FaultContext, 'config' | 'faults'>) => Promise<void>;
  /** What else the run's books must show, as problems (none: fine). */
  check?: (ctx: FaultContext) => string[];
}

/** SIGKILL a component's process group, leave it down for `downMs`, start it again the way `stack up` does. */
const killAndRestart =
  (name: string, downMs: number, restart: (faults: StackFaults) => Promise<void>) =>
  async ({ faults }: FaultContext) => {
    faults.kill(name);
    await faults.waitDead(name);
    await sleep(downMs);
    await restart(faults);
    return Date.now();
  };

/** The poison set, per consumed topic: every way a message can be unusable. */
const poison = (key: string, eventId: string) => [
  { key, value: Buffer.from('{not json'), headers: { [Headers.eventId]: eventId } },
  { key, value: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), headers: { [Headers.eventId]: eventId } },
  {
    key,
    value: Buffer.from(JSON.stringify({ eventId, type: 'OrderPlaced', schemaVersion: 1, aggregateId: key })),
    headers: { [Headers.eventId]: eventId },
  },
  {
    key,
    value: Buffer.from(
      JSON.stringify({
        eventId,
        type: 'OrderTeleported',
        schemaVersion: 1,
        aggregateType: 'orders',
        aggregateId: key,
        aggregateVersion: 1,
        occurredAt: new Date().toISOString(),
        correlationId: eventId,
        causationId: null,
        payload: {},
      }),
    ),
    headers: { [Headers.eventId]: eventId },
  },
];

async function produce(
  config: StackConfig,
  topic: string,
  messages: { key: string; value: Buffer; headers: Record<string, string> }[],
) {
  const producer = createKafka('orderflow-faults', [config.kafka.bootstrap], { logLevel: 'nothing' }).safeProducer();
  await producer.connect();
  try {
    await producer.send(topic, messages);
  } finally {
    await producer.disconnect();
  }
}

const consumersOf = { [Topics.ordersEvents]: 3, [Topics.paymentsEvents]: 2 } as const;
const poisonPerTopic = 6;

export const scenarios: Scenario[] = [
  ...(['orders', 'payments', 'email'] as const).map((name): Scenario => ({
    name: `kill -9 ${name}`,
    what: `SIGKILL the ${name} service mid-load, restart it 2 s later`,
    inShort: name !== 'orders',
    expectedDeadLetters: 0,
    smtpDuplicatesAllowed: name === 'email' ? 8 : 0,
    inject: killAndRestart(name, 2_000, (faults) => faults.restartService(name)),
  })),
  {
    name: 'kill -9 connect',
    what: 'SIGKILL Kafka Connect mid-load, restart it 2 s later (Debezium resends from its last committed offset)',
    inShort: false,
    expectedDeadLetters: 0,
    smtpDuplicatesAllowed: 0,
    inject: killAndRestart('connect', 2_000, (faults) => faults.restartConnect()),
  },
  {
    name: 'connectors paused',
    what: 'pause the three connectors while orders keep coming, resume them',
    inShort: false,
    expectedDeadLetters: 0,
    smtpDuplicatesAllowed: 0,
    inject: async ({ faults, short }) => {
      await faults.pauseConnectors();
      await sleep(short ? 10_000 : 30_000);
      await faults.resumeConnectors();
      return Date.now();
    },
  },
  {
    name: 'kill -9 broker',
    what: 'SIGKILL the Kafka broker (one-broker mode) mid-load, restart it 2 s later',
    inShort: false,
    expectedDeadLetters: 0,
    smtpDuplicatesAllowed: 0,
    inject: killAndRestart('kafka', 2_000, (faults) => faults.restartKafka()),
  },
  ...[10, 40].map((seconds): Scenario => ({
    name: `postgres down ${seconds} s`,
    what: `stop Postgres abruptly (pg_ctl stop -m immediate) for ${seconds} s, services left running, then start it`,
    inShort: seconds === 10,
    expectedDeadLetters: 0,
    smtpDuplicatesAllowed: 0,
    inject: async ({ faults }) => {
      await faults.stopPostgresImmediately();
      await sleep(seconds * 1_000);
      await faults.startPostgres();
      return Date.now();
    },
  })),
  {
    name: 'kill -9 maildev',
    what: 'SIGKILL the SMTP server (MailDev) for 10 s, then restart it',
    inShort: true,
    expectedDeadLetters: 0,
    // Sends in flight when the server dies may have been stored by it without the client hearing its 250:
    // the client must send them again (SMTP's own duplicate window, RFC 1047). The sender has 8 at most.
    smtpDuplicatesAllowed: 8,
    inject: killAndRestart('smtp', 10_000, (faults) => faults.restartSmtp()),
  },
  {
    name: 'scale-out',
    what: 'stack up --scale payments=3,email=2 mid-load, SIGKILL payments-2 and email-2, then back to one instance each',
    inShort: true,
    expectedDeadLetters: 0,
    // email-2's sends in flight when it is SIGKILLed.
    smtpDuplicatesAllowed: 8,
    inject: async ({ faults }) => {
      await faults.stack(['up', '--scale', 'payments=3,email=2']);
      const status = await faults.statusJson();
      const running = (service: string) =>
        status.components[service]?.instances?.filter((i) => i.state === 'running').length ?? 0;
      if (running('payments') !== 3 || running('email') !== 2) {
        throw new Error(
          `after --scale payments=3,email=2 the stack shows ${running('payments')} and ${running('email')}`,
        );
      }
      await sleep(2_000);
      faults.kill('payments-2');
      faults.kill('email-2');
      await sleep(2_000);
      await faults.stack(['up', '--scale', 'payments=1,email=1']);
      return Date.now();
    },
  },
  {
    name: 'one broker of three lost',
    what: 'in the three-broker mode (stack up --brokers 3), SIGKILL one broker mid-load and keep it down',
    inShort: false,
    expectedDeadLetters: 0,
    smtpDuplicatesAllowed: 0,
    prepare: async ({ faults }) => {
      await faults.stack(['down']);
      await faults.stack(['up', '--brokers', '3']);
    },
    inject: async ({ faults }) => {
      faults.kill('kafka-3');
      await faults.waitDead('kafka-3');
      return Date.now();
    },
    cleanup: async ({ faults }) => {
      await faults.stack(['down']);
      await faults.stack(['up', '--brokers', '1']);
    },
  },
  {
    name: 'payment deadline',
    what: 'orders runs with ORDERS_PAYMENT_DEADLINE=5s; payments SIGKILLed for 12 s mid-load: the orders waiting that long are cancelled (PAYMENT_TIMEOUT), and refunded once payments is back and authorizes them',
    // The end-to-end test of the deadline: the whole stack, in `npm test`.
    inShort: true,
    expectedDeadLetters: 0,
    smtpDuplicatesAllowed: 0,
    prepare: async ({ faults }) => {
      await faults.restartServiceWith('orders', {
        ORDERS_PAYMENT_DEADLINE: '5s',
        ORDERS_PAYMENT_DEADLINE_SWEEP_MS: '500',
      });
    },
    inject: killAndRestart('payments', 12_000, (faults) => faults.restartService('payments')),
    cleanup: async ({ faults }) => {
      await faults.restartServiceWith('orders', {});
    },
    check: ({ recorder, orderIds }) => {
      const timedOut = orderIds().filter((id) =>
        recorder.events(id).some((e) => e.type === 'OrderCancelled' && e.payload['cause'] === 'PAYMENT_TIMEOUT'),
      );
      const refunded = timedOut.filter((id) => recorder.events(id).some((e) => e.type === 'PaymentRefunded'));
      return timedOut.length === 0 || refunded.length === 0
        ? [`${timedOut.length} orders timed out, ${refunded.length} of them refunded: expected some of each`]
        : [];
    },
  },
  {
    name: 'duplicates',
    what: 're-publish 10 % of the events consumed so far (orders.events, payments.events) by hand',
    inShort: true,
    expectedDeadLetters: 0,
    smtpDuplicatesAllowed: 0,
    inject: async ({ config, recorder, orderIds }) => {
      // Let some of the run's events reach the topics first.
      await sleep(3_000);
      for (const topic of [Topics.ordersEvents, Topics.paymentsEvents]) {
        const prefix = topic === Topics.ordersEvents ? 'Order' : 'Payment';
        const events = orderIds()
          .flatMap((id) => recorder.events(id))
          .filter((e) => e.type.startsWith(prefix));
        const copies = events.filter((_e, i) => i % 10 === 0);
        if (copies.length === 0) throw new Error(`no ${topic} events seen yet to duplicate`);
        await produce(
          config,
          topic,
          copies.map((e) => ({
            key: (e as unknown as { aggregateId: string }).aggregateId,
            value: Buffer.from(JSON.stringify(e)),
            headers: { [Headers.eventId]: e.eventId, [Headers.eventType]: e.type },
          })),
        );
      }
      return Date.now();
    },
  },
  {
    name: 'poison',
    what: 'on every consumed topic: bytes that are not JSON, not UTF-8, a wrong schema, an unknown type, an event without its id header, a value over 1 MiB',
    inShort: true,
    expectedDeadLetters: poisonPerTopic * (consumersOf[Topics.ordersEvents] + consumersOf[Topics.paymentsEvents]),
    smtpDuplicatesAllowed: 0,
    inject: async ({ config, orderIds }) => {
      const [key] = orderIds();
      if (!key) throw new Error('no order accepted yet to key the poison by');
      for (const topic of [Topics.ordersEvents, Topics.paymentsEvents]) {
        const eventId = crypto.randomUUID();
        const valid = {
          eventId,
          type: 'PaymentAuthorized',
          schemaVersion: 1,
          aggregateType: 'payments',
          aggregateId: key,
          aggregateVersion: 99,
          occurredAt: new Date().toISOString(),
          correlationId: key,
          causationId: null,
          payload: { authorizationId: 'x', amountCents: 1, currency: 'EUR' },
        };
        const missingIdHeader = { key, value: Buffer.from(JSON.stringify(valid)), headers: {} };
        const overOneMiB = {
          key,
          value: Buffer.from(JSON.stringify({ ...valid, padding: 'x'.repeat(1024 * 1024) })),
          headers: { [Headers.eventId]: eventId },
        };
        await produce(config, topic, [...poison(key, eventId), missingIdHeader]);
        await produce(config, topic, [overOneMiB]);
      }
      return Date.now();
    },
  },
];
