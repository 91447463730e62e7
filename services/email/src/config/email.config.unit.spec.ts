import { hostname } from 'node:os';
import { loadEmailConfig, senderOptionsOf } from './email.config';

const required = {
  PORT: '13003',
  DATABASE_URL: 'postgres://email:pw@127.0.0.1:15432/email',
  KAFKA_BROKERS: '127.0.0.1:19092',
  SMTP_URL: 'smtp://127.0.0.1:11025',
};

describe('email configuration', () => {
  it('defaults to the real topics and group', () => {
    const config = loadEmailConfig(required);
    expect(config).toMatchObject({
      ORDERS_EVENTS_TOPIC: 'orders.events',
      PAYMENTS_EVENTS_TOPIC: 'payments.events',
      EMAIL_DEAD_LETTER_TOPIC: 'email.dlq',
      EMAIL_CONSUMER_GROUP: 'email.notifications',
    });
  });

  it('gives the sender several SMTP connections, a lease longer than a send can take, and backoff capped at 30 s', () => {
    const options = senderOptionsOf(loadEmailConfig(required));

    expect(options.connections).toBeGreaterThan(1);
    expect(options.leaseMs).toBeGreaterThan(options.sendBudgetMs);
    expect(options.sendBudgetMs).toBe(3 * loadEmailConfig(required).SMTP_TIMEOUT_MS);
    expect(options.retry).toEqual({ initialMs: 500, maxMs: 30_000 });
    expect(options.stopTimeoutMs).toBeLessThan(15_000); // the stack's SIGTERM grace
  });

  it('names the sender after the host and port, the same across a restart, unless EMAIL_SENDER_ID says otherwise', () => {
    expect(senderOptionsOf(loadEmailConfig(required)).senderId).toBe(`${hostname()}:13003`);
    expect(senderOptionsOf(loadEmailConfig({ ...required, EMAIL_SENDER_ID: 'email-0' })).senderId).toBe('email-0');
  });

  it.each([
    ['SMTP_URL', undefined],
    ['SMTP_URL', 'http://127.0.0.1:11080'],
    ['EMAIL_SMTP_CONNECTIONS', '0'],
    ['EMAIL_SEND_LEASE_MS', '39999'], // below 4 × the default 10 s SMTP time-out
    ['EMAIL_RETRY_MAX_MS', '100'], // below the default initial 500 ms
  ])('refuses to start with a missing or bad %s, naming it', (key, value) => {
    expect(() => loadEmailConfig({ ...required, [key]: value })).toThrow(key);
  });
});
