import { Topics } from '@orderflow/events';
import { type Tail, createKafka, decodeMessage } from '@orderflow/messaging';
import { Client } from 'pg';
import type { StackConfig } from '../../infra/src/config/stack.config';
import type { PlacedOrder } from './order.load';

/**
 * The books of a fault run: what happened to each order, read from the three
 * event streams (every event of an order is keyed by its id), from the
 * databases and from the SMTP server, and checked against what must hold.
 */
interface Seen {
  type: string;
  eventId: string;
  payload: Record<string, unknown>;
  /** When the recorder first read it (ms since the epoch): where a slow recovery spent its time. */
  seenAt: number;
}

/**
 * Records orders.events, payments.events and email.events from the moment it
 * starts. Its group commits as it goes, so a consumer restarted by a broker
 * outage resumes where it was: a message may be seen twice (counted once, by
 * event id), never missed.
 */
export class StreamRecorder {
  readonly byOrder = new Map<string, Map<string, Seen>>();

  private constructor(private readonly tail: Tail) {}

  static async start(config: StackConfig, runId: string): Promise<StreamRecorder> {
    // The services' client settings: a recorder slower than the consumers to find a restarted broker
    // (a client's defaults may back off up to 30 s) would see the saga late and report the recovery late.
    const kafka = createKafka('orderflow-faults', [config.kafka.bootstrap]);
    const topics = [Topics.ordersEvents, Topics.paymentsEvents, Topics.emailEvents];
    const admin = kafka.admin();
    await admin.connect();
    const ends = await Promise.all(topics.map(async (topic) => ({ topic, ends: await admin.topicOffsets(topic) })));
    await admin.disconnect();
    const recorder = new StreamRecorder(
      kafka.tail({
        groupId: `faults.recorder.${runId}`,
        topics,
        startAt: ends.flatMap(({ topic, ends: partitions }) =>
          partitions.map(({ partition, high }) => ({ topic, partition, offset: high })),
        ),
        fetchMaxWaitMs: 100,
        commits: true,
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 1_000,
      }),
    );
    await recorder.tail.run((message) => {
      const key = message.key?.toString();
      // What the consumers refuse (poison a scenario sent on purpose) is not history: read as they read.
      const decoded = decodeMessage(message);
      if (!key || !decoded.ok) return;
      if (!recorder.byOrder.has(key)) recorder.byOrder.set(key, new Map());
      const events = recorder.byOrder.get(key)!;
      if (!events.has(decoded.event.eventId)) {
        events.set(decoded.event.eventId, {
          ...(decoded.event as unknown as Omit<Seen, 'seenAt'>),
          seenAt: Date.now(),
        });
      }
    });
    return recorder;
  }

  events(orderId: string): Seen[] {
    return [...(this.byOrder.get(orderId)?.values() ?? [])];
  }

  async stop(): Promise<void> {
    await this.tail.stop();
  }
}

export interface OrderBook {
  terminal: boolean;
  /** Effects that happened twice (two OrderConfirmed, two refunds, two EmailSent of a kind). */
  duplicated: string[];
  /** Emails the order calls for that email.events has not recorded yet. */
  missingEmails: string[];
  /** The order ended, but its money did not follow (charged and cancelled without refund, …). */
  inconsistent?: string;
}

const count = (events: Seen[], type: string) => events.filter((e) => e.type === type).length;

/** What one order's streams say, against what its saga must end with. */
export function bookOf(order: PlacedOrder, events: Seen[]): OrderBook {
  const confirmed = count(events, 'OrderConfirmed');
  const cancelled = count(events, 'OrderCancelled');
  const authorized = count(events, 'PaymentAuthorized');
  const declined = count(events, 'PaymentDeclined');
  const refunded = count(events, 'PaymentRefunded');
  const duplicated: string[] = [];
  for (const [type, n] of Object.entries({ confirmed, cancelled, authorized, declined, refunded }))
    if (n > 1) duplicated.push(`${type} ×${n}`);

  const emailsOf = (kind: string) => events.filter((e) => e.type === 'EmailSent' && e.payload['kind'] === kind).length;
  const expected = [
    'ORDER_RECEIVED',
    ...(confirmed > 0 ? ['ORDER_CONFIRMED'] : []),
    ...(cancelled > 0 ? ['ORDER_CANCELLED'] : []),
    ...(refunded > 0 ? ['REFUND_ISSUED'] : []),
  ];
  for (const kind of expected) if (emailsOf(kind) > 1) duplicated.push(`email ${kind} ×${emailsOf(kind)}`);
  const missingEmails = expected.filter((kind) => emailsOf(kind) === 0);

  // Settled: the order ended, and the money with it.
  const paidAndKept = authorized > refunded;
  const settled = cancelled > 0 ? !paidAndKept && authorized + declined > 0 : confirmed > 0 && paidAndKept;
  const terminal = confirmed + cancelled > 0 && settled;
  let inconsistent: string | undefined;
  if (confirmed > 0 && cancelled === 0 && declined > 0) inconsistent = 'confirmed with a declined payment';
  if (order.kind === 'declined' && confirmed > 0) inconsistent = 'over the limit and confirmed';
  return { terminal, duplicated, missingEmails, inconsistent };
}

/** The read model (orders_view_v1) against the event store, for the run's orders: ids that differ. */
export async function readModelDifferences(config: StackConfig, orderIds: string[]): Promise<string[]> {
  const client = new Client({ connectionString: config.postgres.databases.orders.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `SELECT e.order_id AS id
         FROM (SELECT order_id, max(version) AS version FROM order_events WHERE order_id = ANY($1::uuid[]) GROUP BY order_id) e
         LEFT JOIN orders_view_v1 v ON v.id = e.order_id
        WHERE v.version IS DISTINCT FROM e.version`,
      [orderIds],
    );
    return rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

/** Emails MailDev received for the run, by recipient: how many copies of each Message-ID. */
export async function smtpCopies(config: StackConfig, runId: string): Promise<Map<string, Map<string, number>>> {
  const response = await fetch(`${config.smtp.uiUrl}/api/email`);
  const emails = (await response.json()) as { to: { address: string }[]; headers: Record<string, string> }[];
  const byRecipient = new Map<string, Map<string, number>>();
  for (const email of emails) {
    const to = email.to[0]?.address ?? '';
    if (!to.startsWith(`${runId}-`)) continue;
    const id = email.headers['message-id'] ?? '';
    if (!byRecipient.has(to)) byRecipient.set(to, new Map());
    const copies = byRecipient.get(to)!;
    copies.set(id, (copies.get(id) ?? 0) + 1);
  }
  return byRecipient;
}

/** Messages on the dead-letter topics now: compared before and after a run. */
export async function deadLetterCounts(config: StackConfig): Promise<Record<string, number>> {
  const admin = createKafka('orderflow-faults-dlq', [config.kafka.bootstrap], { logLevel: 'nothing' }).admin();
  await admin.connect();
  try {
    const counts: Record<string, number> = {};
    for (const topic of [Topics.ordersDeadLetter, Topics.paymentsDeadLetter, Topics.emailDeadLetter]) {
      const offsets = await admin.topicOffsets(topic);
      counts[topic] = offsets.reduce((sum, p) => sum + Number(p.high), 0);
    }
    return counts;
  } finally {
    await admin.disconnect();
  }
}
