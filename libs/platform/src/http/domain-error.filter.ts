import { type ArgumentsHost, Catch, type ExceptionFilter, type Type } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * The one place a service's typed domain errors become HTTP statuses: a filter
 * for `errorClass` answering `{ statusCode, code, message }` with the status
 * its stable code maps to.
 */
export function domainErrorFilter<C extends string, E extends Error & { readonly code: C }>(
  errorClass: abstract new (...args: never[]) => E,
  statusOf: Record<C, number>,
): Type<ExceptionFilter<E>> {
  @Catch(errorClass)
  class DomainErrorFilter implements ExceptionFilter<E> {
    constructor(private readonly adapterHost: HttpAdapterHost) {}

    catch(error: E, host: ArgumentsHost): void {
      const status = statusOf[error.code];
      this.adapterHost.httpAdapter.reply(
        host.switchToHttp().getResponse(),
        { statusCode: status, code: error.code, message: error.message },
        status,
      );
    }
  }
  return DomainErrorFilter;
}
