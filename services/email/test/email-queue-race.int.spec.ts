import { parseEvent } from '@orderflow/events';
import { randomIds } from '@orderflow/platform';
import { anOrderPlaced } from '../../../test/support/event.factory';
import { aPaymentRefunded } from '../../../test/support/follow-up-events.factory';
import { type FreshDatabase, freshDatabase } from '../../../test/support/test-database';
import { waitUntil } from '../../../test/support/wait-until';
import { EmailNotifications } from '../src/application/email.notifications';
import { isNotificationEvent } from '../src/domain/email.selection';
import { emailRow } from './support/sender.fixture';

/**
 * An order's orders.events and payments.events partitions are handled
 * concurrently (by one instance or two): a refund can be queued, without an
 * address, in a transaction that is still open while the order's OrderPlaced
 * is queued in another. Whatever the interleaving, the refund ends addressed.
 */
let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase('email_queue_race_test', 'email');
});
afterAll(async () => {
  await db?.drop();
});

const notifications = new EmailNotifications(randomIds);
const notification = (event: ReturnType<typeof anOrderPlaced>) => {
  const parsed = parseEvent(event);
  if (!isNotificationEvent(parsed)) throw new Error(`${parsed.type} calls for no email`);
  return parsed;
};

describe('queueing the emails of one order from two transactions at once', () => {
  it('addresses a refund queued in a transaction that commits while the OrderPlaced waits for it', async () => {
    const placed = anOrderPlaced();
    const refunded = aPaymentRefunded(placed);
    const first = await db.pool.connect();
    const second = await db.pool.connect();
    try {
      await first.query('BEGIN');
      await notifications.queue(first, [notification(refunded)]);
      await second.query('BEGIN');
      // Blocks on the order's row, which the open transaction holds.
      const placing = notifications.queue(second, [notification(placed)]).then(() => second.query('COMMIT'));
      await waitUntil('the OrderPlaced waiting on the lock', async () => {
        const { rows } = await db.pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
        );
        return rows[0]!.n > 0;
      });
      await first.query('COMMIT');
      await placing;
    } finally {
      first.release();
      second.release();
    }

    expect((await emailRow(db.pool, refunded.eventId))?.recipient).toBe(
      (placed.payload as { customerEmail: string }).customerEmail,
    );
    expect((await emailRow(db.pool, placed.eventId))?.position).toBe(1);
  });
});
