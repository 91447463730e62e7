import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type KafkaClient, createKafka, kafkaClientLibrary } from '@orderflow/messaging';
import { Client } from 'pg';
import { loadStackConfig } from '../../infra/src/config/stack.config';
import { anOrderPlaced } from '../../test/support/event.factory';
import { createTestTopics } from '../../test/support/test-topics';
import { commonModel } from '../../services/email/src/domain/email.model';
import { SmtpMailer } from '../../services/email/src/smtp/smtp.mailer';
import { TemplateRenderer } from '../../services/email/src/templating/template.renderer';
import { type BenchReport, percentile, round } from './bench.results';
import { CpuSampler } from './cpu.sampler';

/**
 * The ceilings the system's figures are compared with, measured on the same
 * broker and database in the same run:
 *   - the Kafka client's idempotent producer (acks=all), ~1 KB events, 100 per send
 *   - produce → consume round trip of one message at a time
 *   - raw `pg` single-row transactions (BEGIN/INSERT/COMMIT) on one connection
 *   - the SMTP server (MailDev) taking the email service's own rendered
 *     emails through its own mailer, 4 pooled connections, 16 in flight:
 *     emails/s and MailDev's CPU per email
 */
const config = loadStackConfig();
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

export interface Ceilings {
  producer1p: number;
  producer6p: number;
  roundTripP50: number;
  roundTripP99: number;
  pgTransactions: number;
  smtpEmails: number;
  smtpCpuMsPerEmail: number;
}

export async function measureCeilings(seconds = SECONDS): Promise<Ceilings> {
  const brokers = [config.kafka.bootstrap];
  const kafka = createKafka('bench-ceilings', brokers, { logLevel: 'nothing' });
  const topics = await createTestTopics(brokers, [
    { purpose: 'bench-produce-1p', partitions: 1 },
    { purpose: 'bench-produce-6p', partitions: 6 },
    { purpose: 'bench-roundtrip', partitions: 1 },
  ]);
  try {
    const [oneP, sixP, rttTopic] = topics.names as [string, string, string];
    const producer1p = await producerThroughput(kafka, oneP, seconds);
    const producer6p = await producerThroughput(kafka, sixP, seconds);
    const rtt = await roundTrip(kafka, rttTopic, seconds);
    return {
      producer1p,
      producer6p,
      roundTripP50: percentile(rtt, 50),
      roundTripP99: percentile(rtt, 99),
      pgTransactions: await pgTransactions(seconds),
      ...(await smtpThroughput(seconds)),
    };
  } finally {
    await topics.remove();
  }
}

export async function ceilings(): Promise<BenchReport> {
  const c = await measureCeilings();
  return {
    title: 'Ceilings: raw producer, round trip, raw Postgres, SMTP server',
    method:
      `Each measured for ${SECONDS} s against the running stack's broker, Postgres and MailDev; events are ~1 KB ` +
      'JSON envelopes; emails are the email service’s own ORDER_CONFIRMED email, rendered by its templates.',
    rows: [
      {
        ceiling: `${kafkaClientLibrary().name} idempotent producer, acks=all, 1 partition`,
        value: round(c.producer1p, 0),
        unit: 'events/s',
      },
      {
        ceiling: `${kafkaClientLibrary().name} idempotent producer, acks=all, 6 partitions`,
        value: round(c.producer6p, 0),
        unit: 'events/s',
      },
      { ceiling: 'produce → consume round trip, p50', value: round(c.roundTripP50, 2), unit: 'ms' },
      { ceiling: 'produce → consume round trip, p99', value: round(c.roundTripP99, 2), unit: 'ms' },
      { ceiling: 'raw pg single-row transactions, 1 connection', value: round(c.pgTransactions, 0), unit: 'tx/s' },
      { ceiling: 'SMTP (MailDev): emails accepted, 4 connections', value: round(c.smtpEmails, 0), unit: 'emails/s' },
      { ceiling: 'SMTP (MailDev): its CPU per email', value: round(c.smtpCpuMsPerEmail, 2), unit: 'ms' },
    ],
  };
}

export async function producerThroughput(kafka: KafkaClient, topic: string, seconds = SECONDS): Promise<number> {
  const producer = kafka.safeProducer();
  await producer.connect();
  const value = JSON.stringify(
    anOrderPlaced({
      items: Array.from({ length: 8 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1, unitPriceCents: 100 })),
    }),
  );
  const messages = Array.from({ length: 100 }, () => ({ key: randomUUID(), value }));
  let sent = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  while (performance.now() < deadline) {
    await producer.send(topic, messages);
    sent += messages.length;
  }
  const rate = sent / ((performance.now() - started) / 1000);
  await producer.disconnect();
  return rate;
}

async function roundTrip(kafka: KafkaClient, topic: string, seconds: number): Promise<number[]> {
  const producer = kafka.safeProducer();
  // A fresh topic: from its end is from its beginning.
  const consumer = kafka.tail({
    groupId: `bench-rtt-${randomUUID()}`,
    topics: [topic],
    fetchMaxWaitMs: 10,
    commits: true,
  });
  await producer.connect();
  const waiting = new Map<string, (at: number) => void>();
  await consumer.run((record) => waiting.get(record.key?.toString() ?? '')?.(performance.now()));
  // Let the consumer join before timing anything.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const samples: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline && samples.length < 5_000) {
    const key = randomUUID();
    const arrived = new Promise<number>((resolve) => waiting.set(key, resolve));
    const sentAt = performance.now();
    await producer.send(topic, [{ key, value: '{}' }]);
    samples.push((await arrived) - sentAt);
    waiting.delete(key);
  }
  await Promise.all([producer.disconnect(), consumer.stop()]);
  return samples;
}

async function pgTransactions(seconds: number): Promise<number> {
  const admin = new Client({ connectionString: config.postgres.superuserUrl });
  await admin.connect();
  await admin.query('CREATE TABLE IF NOT EXISTS bench_ceiling (id uuid PRIMARY KEY, payload jsonb NOT NULL)');
  const payload = JSON.stringify(anOrderPlaced());
  let done = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  while (performance.now() < deadline) {
    await admin.query('BEGIN');
    await admin.query('INSERT INTO bench_ceiling (id, payload) VALUES ($1, $2)', [randomUUID(), payload]);
    await admin.query('COMMIT');
    done += 1;
  }
  const rate = done / ((performance.now() - started) / 1000);
  await admin.query('DROP TABLE bench_ceiling');
  await admin.end();
  return rate;
}

async function smtpThroughput(seconds: number): Promise<{ smtpEmails: number; smtpCpuMsPerEmail: number }> {
  const mailer = new SmtpMailer({
    url: config.smtp.url,
    from: 'bench@orderflow.local',
    timeoutMs: 10_000,
    maxConnections: 4,
  });
  const templates = TemplateRenderer.load();
  const sampler = await CpuSampler.forStack();
  let sent = 0;
  const send = async () => {
    const id = randomUUID();
    await mailer.send({
      messageId: `<${id}@bench.orderflow.local>`,
      to: 'bench@example.com',
      ...templates.render('ORDER_CONFIRMED', commonModel(id)),
      headers: {},
    });
    sent += 1;
  };
  await Promise.all(Array.from({ length: 16 }, send)); // connections open before timing
  sent = 0;
  const cpuFrom = sampler.sample();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < deadline) await send();
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const smtpPercent = CpuSampler.usage(cpuFrom, sampler.sample()).smtp ?? 0;
  mailer.onApplicationShutdown();
  return { smtpEmails: sent / elapsed, smtpCpuMsPerEmail: (smtpPercent * 10 * elapsed) / sent };
}
