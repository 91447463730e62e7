import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { type EventType, Headers } from '@orderflow/events';
import { Pool } from 'pg';
import { loadStackConfig } from '../../../infra/src/config/stack.config';
import { anOrderPlaced } from '../../../test/support/event.factory';
import { EventPublisher } from '../../../test/support/event.publisher';
import { startServiceApp } from '../../../test/support/service-app';
import { TcpProxy } from '../../../test/support/tcp.proxy';
import { type FreshDatabase, freshDatabase } from '../../../test/support/test-database';
import { createTestTopics } from '../../../test/support/test-topics';
import { TopicTail } from '../../../test/support/topic.tail';
import { waitUntil } from '../../../test/support/wait-until';
import { ConsumerGroup, InjectPool, PlatformModule, ServiceEnv, loadServiceConfig } from '../src';

/**
 * What every service gets from libs/platform when a dependency goes away,
 * with a minimal service on it: one HTTP route that reads the database and one
 * consumer that writes to it. The database and the broker are reached through
 * proxies the test cuts, as if they went away; the stack's own servers stay up.
 */
const stack = loadStackConfig();

@Controller('probe')
class ProbeController {
  constructor(@InjectPool() private readonly pool: Pool) {}

  @Get()
  async probe() {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM processed_events');
    return { processed: rows[0]!.n };
  }
}

let db: FreshDatabase;
let topics: Awaited<ReturnType<typeof createTestTopics>>;
let pgProxy: TcpProxy;
let kafkaProxy: TcpProxy;
let app: INestApplication | undefined;
let url: string;
let publisher: EventPublisher;

beforeAll(async () => {
  db = await freshDatabase('platform_outage_test', 'payments');
  topics = await createTestTopics(
    [stack.kafka.bootstrap],
    [
      { purpose: 'outage-source', partitions: 2 },
      { purpose: 'outage-dlq', partitions: 1 },
    ],
  );
  pgProxy = await TcpProxy.start(TcpProxy.targetOf(db.url));
  const [kafkaHost, kafkaPort] = stack.kafka.bootstrap.split(':');
  kafkaProxy = await TcpProxy.start({ host: kafkaHost!, port: Number(kafkaPort) });
  publisher = await EventPublisher.connect([stack.kafka.bootstrap]);
});
afterAll(async () => {
  await app?.close();
  await publisher?.disconnect();
  await pgProxy?.stop();
  await kafkaProxy?.stop();
  await db?.drop();
  await topics?.remove();
});

const get = async (path: string) => {
  const response = await fetch(`${url}${path}`);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    body: JSON.parse(text) as Record<string, unknown>,
  };
};

describe('a service whose dependencies go away', () => {
  it('serves HTTP and liveness at once while its broker is unreachable, and is ready once its consumer joined', async () => {
    // Only the bootstrap goes through the proxy: once connected, the client talks to the broker's advertised address.
    await kafkaProxy.cut();
    const config = loadServiceConfig(ServiceEnv, {
      SERVICE_NAME: 'outage-test',
      PORT: '1',
      DATABASE_URL: pgProxy.via(db.url),
      KAFKA_BROKERS: `127.0.0.1:${kafkaProxy.port}`,
    });
    @Controller()
    @ConsumerGroup(() => ({
      groupId: `test.outage-${Date.now()}`,
      topics: [topics.names[0]!],
      deadLetterTopic: topics.names[1]!,
    }))
    class OutageConsumer {
      @EventPattern<EventType>('OrderPlaced')
      async onOrderPlaced(): Promise<void> {}
    }
    @Module({
      imports: [PlatformModule.forService(config)],
      controllers: [ProbeController, OutageConsumer],
    })
    class OutageTestModule {}
    ({ app, url } = await startServiceApp({ module: OutageTestModule }));

    expect((await get('/health/live')).status).toBe(200);
    const notReady = await get('/health');
    expect(notReady.status).toBe(503);
    expect(notReady.text).toContain('"state":"starting"');

    await kafkaProxy.restore();
    await waitUntil('ready', async () => (await get('/health')).status === 200, 30_000);
  });

  it('answers 503 with Retry-After while its database is unreachable, reports why, and recovers by itself', async () => {
    const dlq = await TopicTail.start([stack.kafka.bootstrap], topics.names[1]!);
    await pgProxy.cut();
    const events = [anOrderPlaced(), anOrderPlaced()];
    await publisher.publish(topics.names[0]!, events);

    const during = await get('/probe');
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('5');
    expect(during.body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
    const health = await waitUntil('health names the outage', async () => {
      const answer = await get('/health');
      return answer.text.includes('"blocked":[{') && answer;
    });
    expect(health.status).toBe(503);
    expect(health.text).toMatch(/"database":\{"message":"[^"]*ECONNREFUSED[^"]*","status":"down"/);

    await pgProxy.restore();
    await waitUntil(
      'both events applied',
      async () => {
        const answer = await get('/probe');
        return answer.status === 200 && answer.body['processed'] === 2;
      },
      30_000,
    );
    // The handler has run; the partition is marked unblocked once its unit has committed, a moment later.
    await waitUntil('ready again', async () => (await get('/health')).status === 200, 15_000);
    expect(dlq.messages.filter((m) => events.some((e) => e.eventId === m.headers[Headers.eventId]))).toEqual([]);
    await dlq.stop();
  });
});
