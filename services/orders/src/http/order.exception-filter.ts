import { HttpStatus } from '@nestjs/common';
import { domainErrorFilter } from '@orderflow/platform';
import { OrderError } from '../domain/order.errors';

/** Order error codes → HTTP statuses. */
export const OrderExceptionFilter = domainErrorFilter(OrderError, {
  ORDER_NOT_FOUND: HttpStatus.NOT_FOUND,
  ORDER_ALREADY_EXISTS: HttpStatus.CONFLICT,
  ORDER_ALREADY_SHIPPED: HttpStatus.CONFLICT,
  ORDER_ALREADY_CANCELLED: HttpStatus.CONFLICT,
  ORDER_NOT_PAID: HttpStatus.CONFLICT,
  ORDER_CONCURRENCY_CONFLICT: HttpStatus.CONFLICT,
  IDEMPOTENCY_KEY_REUSED: HttpStatus.UNPROCESSABLE_ENTITY,
  INVALID_CURSOR: HttpStatus.BAD_REQUEST,
});
