import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { type Observable, throwError } from 'rxjs';

/**
 * Hands a consumer handler's error back to the unit of work as it was thrown.
 * Nest's default RPC filter logs anything but an RpcException and replaces it
 * with `{ status: 'error', message: 'Internal server error' }`: the unit of
 * work would then see neither a TransientError nor a domain error's code, and
 * would dead-letter a passing outage as HANDLER_FAILED.
 */
@Catch()
export class PassErrorsThrough implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
