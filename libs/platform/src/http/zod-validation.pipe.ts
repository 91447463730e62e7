import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus, type PipeTransform } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { z } from 'zod';

/** A request that does not match its schema: answered 400 by `RequestValidationFilter`, naming each field. */
export class RequestValidationError extends Error {
  readonly code = 'INVALID_REQUEST';
  override readonly name = 'RequestValidationError';
}

/**
 * Parses a request part with a zod schema. `part` prefixes the field paths in
 * the message (`body.items.0.quantity: …`, `id: …`).
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly part?: string,
  ) {}

  transform(value: unknown): z.infer<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new RequestValidationError(
      parsed.error.issues
        .map((i) => `${[this.part, ...i.path].filter((p) => p !== undefined).join('.') || '(request)'}: ${i.message}`)
        .join('; '),
    );
  }
}

/** Registered for every service by `PlatformModule`: `{ statusCode: 400, code: 'INVALID_REQUEST', message }`. */
@Catch(RequestValidationError)
export class RequestValidationFilter implements ExceptionFilter<RequestValidationError> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: RequestValidationError, host: ArgumentsHost): void {
    this.adapterHost.httpAdapter.reply(
      host.switchToHttp().getResponse(),
      { statusCode: HttpStatus.BAD_REQUEST, code: error.code, message: error.message },
      HttpStatus.BAD_REQUEST,
    );
  }
}
