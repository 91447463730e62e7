import type { PaymentStatus } from '../domain/payment';

/** What `GET /payments/:orderId` answers. */
export interface PaymentView {
  orderId: string;
  status: PaymentStatus;
  amountCents: number;
  currency: string;
  reason?: string;
  updatedAt: string;
}

/** The read side of payments; its implementation is chosen by measurement (bench/results/reads.md). */
export interface PaymentReads {
  /** The order's payment as it stands, or undefined when the order has none. */
  view(orderId: string): Promise<PaymentView | undefined>;
}

export const PAYMENT_READS = Symbol('PAYMENT_READS');
