import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  ServiceUnavailableException,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { isTransient } from '@orderflow/messaging';
import { type Observable, catchError, throwError } from 'rxjs';

/** Seconds a client is asked to wait before trying again. */
const retryAfterSeconds = 5;

/**
 * A request that failed because a dependency is away (the database
 * unreachable, a connection cut, a serialization failure) is answered
 * `503 Service Unavailable` with `Retry-After`, not 500: nothing was accepted,
 * and the same request will succeed once the dependency is back. An
 * interceptor rather than an exception filter, so the services' own filters
 * (domain errors → 4xx) keep their place.
 */
@Injectable()
export class ServiceUnavailableInterceptor implements NestInterceptor {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!isTransient(error)) return throwError(() => error);
        this.adapterHost.httpAdapter.setHeader(
          context.switchToHttp().getResponse(),
          'Retry-After',
          String(retryAfterSeconds),
        );
        return throwError(
          () =>
            new ServiceUnavailableException({
              statusCode: 503,
              code: 'SERVICE_UNAVAILABLE',
              message: 'a dependency of this service is unavailable; try again shortly',
            }),
        );
      }),
    );
  }
}
