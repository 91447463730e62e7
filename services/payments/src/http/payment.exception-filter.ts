import { HttpStatus } from '@nestjs/common';
import { domainErrorFilter } from '@orderflow/platform';
import { PaymentError } from '../domain/payment.decide';

/** Payment error codes → HTTP statuses. */
export const PaymentExceptionFilter = domainErrorFilter(PaymentError, {
  PAYMENT_NOT_FOUND: HttpStatus.NOT_FOUND,
  PAYMENT_ALREADY_DECIDED: HttpStatus.CONFLICT,
  PAYMENT_NOT_AUTHORIZED: HttpStatus.CONFLICT,
  PAYMENT_ALREADY_REFUNDED: HttpStatus.CONFLICT,
});
