import { Controller, Get, Param } from '@nestjs/common';
import { InjectPool, ZodValidationPipe } from '@orderflow/platform';
import { Pool } from 'pg';
import { PaymentError } from '../domain/payment.decide';
import { type PaymentView, findPaymentView } from '../persistence/payment.store';
import { PaymentParams } from './payment.requests';

/** `GET /payments/:orderId`: the payment of one order as it stands. */
@Controller('payments')
export class PaymentsHttpController {
  constructor(@InjectPool() private readonly pool: Pool) {}

  @Get(':orderId')
  async get(@Param(new ZodValidationPipe(PaymentParams)) { orderId }: PaymentParams): Promise<PaymentView> {
    const view = await findPaymentView(this.pool, orderId);
    if (!view) throw new PaymentError('PAYMENT_NOT_FOUND', `there is no payment for order ${orderId}`);
    return view;
  }
}
