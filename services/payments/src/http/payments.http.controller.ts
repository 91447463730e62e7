import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ZodValidationPipe } from '@orderflow/platform';
import { PAYMENT_READS, type PaymentReads, type PaymentView } from '../application/payment-reads.port';
import { PaymentError } from '../domain/payment.decide';
import { PaymentParams } from './payment.requests';

/** `GET /payments/:orderId`: the payment of one order as it stands. */
@Controller('payments')
export class PaymentsHttpController {
  constructor(@Inject(PAYMENT_READS) private readonly reads: PaymentReads) {}

  @Get(':orderId')
  async get(@Param(new ZodValidationPipe(PaymentParams)) { orderId }: PaymentParams): Promise<PaymentView> {
    const view = await this.reads.view(orderId);
    if (!view) throw new PaymentError('PAYMENT_NOT_FOUND', `there is no payment for order ${orderId}`);
    return view;
  }
}
