import { type Queryable, prepared } from '@orderflow/messaging';

/**
 * `order_recipients`: the customer's address per order, learnt from
 * OrderPlaced, and the order's email stream position. Each call counts the
 * email in hand (the caller's transaction rolls the count back if the email
 * is not sent) and holds the row lock until commit.
 */
export interface Recipient {
  to: string;
  /** The email in hand's position in the order's email stream: EmailSent's aggregateVersion. */
  position: number;
}

const remember = prepared(
  'email.recipients.remember',
  `INSERT INTO order_recipients (order_id, customer_email, emails_sent) VALUES ($1, $2, 1)
   ON CONFLICT (order_id) DO UPDATE SET emails_sent = order_recipients.emails_sent + 1
   RETURNING customer_email, emails_sent`,
);
const countNext = prepared(
  'email.recipients.next',
  `UPDATE order_recipients SET emails_sent = emails_sent + 1 WHERE order_id = $1
   RETURNING customer_email, emails_sent`,
);

/** From OrderPlaced: remember the address (the first one wins) and count its email. */
export async function rememberRecipient(tx: Queryable, orderId: string, customerEmail: string): Promise<Recipient> {
  const { rows } = await tx.query<{ customer_email: string; emails_sent: number }>(remember([orderId, customerEmail]));
  return { to: rows[0]!.customer_email, position: rows[0]!.emails_sent };
}

/** For any later event: the address OrderPlaced gave, or undefined if it has not been seen. */
export async function nextEmailTo(tx: Queryable, orderId: string): Promise<Recipient | undefined> {
  const { rows } = await tx.query<{ customer_email: string; emails_sent: number }>(countNext([orderId]));
  return rows[0] && { to: rows[0].customer_email, position: rows[0].emails_sent };
}
