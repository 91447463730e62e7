import { createKafka } from '@orderflow/messaging';
import { Client } from 'pg';
import { loadStackConfig, serviceNames } from '../../infra/src/config/stack.config';
import { topicDeclarations } from '../../infra/src/provision/topics.declaration';

/**
 * The whole stack as a client sees it, through its endpoints — whichever way
 * the harness provided it (native, containers or given). The native
 * `stack status --json` itself is checked by infra/test/stack-down.int.spec.ts,
 * the live console (native stack only) by console.browser.e2e.spec.ts.
 */
const config = loadStackConfig();

describe('the running stack', () => {
  it('has every declared topic on the broker', async () => {
    const admin = createKafka('e2e', [config.kafka.bootstrap], { logLevel: 'nothing' }).admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(topics).toEqual(expect.arrayContaining(topicDeclarations.map((t) => t.name)));
  });

  it('runs every Debezium connector and its task', async () => {
    const response = await fetch(`${config.connect.url}/connectors?expand=status`);
    const body = (await response.json()) as Record<
      string,
      { status: { connector: { state: string }; tasks: { state: string }[] } }
    >;
    expect(Object.keys(body).sort()).toEqual(['email-outbox', 'orders-outbox', 'payments-outbox']);
    for (const { status } of Object.values(body)) {
      expect(status.connector.state).toBe('RUNNING');
      expect(status.tasks.map((t) => t.state)).toEqual(['RUNNING']);
    }
  });

  it('has Postgres with logical decoding', async () => {
    const client = new Client({ connectionString: config.postgres.superuserUrl });
    await client.connect();
    const { rows } = await client.query<{ wal_level: string }>('SHOW wal_level');
    await client.end();
    expect(rows[0]?.wal_level).toBe('logical');
  });

  it.each(serviceNames)('%s answers GET /health with its database up', async (name) => {
    const response = await fetch(`${config.services[name].url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it.each(serviceNames)('%s answers GET /metrics with Node’s GC time and its consumer groups', async (name) => {
    const response = await fetch(`${config.services[name].url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/^nodejs_gc_duration_seconds_sum\{kind="minor"\} /m);
    expect(text).toMatch(
      new RegExp(`^orderflow_consumer_events\\{group="${name}\\.[^"]+",outcome="processed"\\} \\d+`, 'm'),
    );
  });

  it('MailDev accepts API reads', async () => {
    const response = await fetch(`${config.smtp.uiUrl}/api/email`);
    expect(response.status).toBe(200);
    expect(Array.isArray(await response.json())).toBe(true);
  });
});
