import { loadEmailConfig } from './email.config';

const required = {
  PORT: '13003',
  DATABASE_URL: 'postgres://email:pw@127.0.0.1:15432/email',
  KAFKA_BROKERS: '127.0.0.1:19092',
  SMTP_URL: 'smtp://127.0.0.1:11025',
};

describe('email configuration', () => {
  it('defaults to the real topics and group, and consumes several partitions at once', () => {
    const config = loadEmailConfig(required);
    expect(config).toMatchObject({
      ORDERS_EVENTS_TOPIC: 'orders.events',
      PAYMENTS_EVENTS_TOPIC: 'payments.events',
      EMAIL_DEAD_LETTER_TOPIC: 'email.dlq',
      EMAIL_CONSUMER_GROUP: 'email.notifications',
    });
    expect(config.EMAIL_CONSUMER_CONCURRENCY).toBeGreaterThan(1);
  });

  it.each([
    ['SMTP_URL', undefined],
    ['SMTP_URL', 'http://127.0.0.1:11080'],
    ['EMAIL_CONSUMER_CONCURRENCY', '1'],
  ])('refuses to start with a missing or bad %s, naming it', (key, value) => {
    expect(() => loadEmailConfig({ ...required, [key]: value })).toThrow(key);
  });
});
