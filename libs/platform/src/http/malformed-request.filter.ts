import {
  type ArgumentsHost,
  BadRequestException,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * What body-parser (Express's, and ours under Fastify: fastify.adapter.ts)
 * passes on for a body it cannot read: an `http-errors` error with a status of
 * 400, 413 or 415 that it means the client to see (`expose`), and usually a
 * `type` naming the cause (`entity.too.large`, `charset.unsupported`, …; a
 * body that claims gzip but is not has none). Matched by shape, so platform
 * takes no dependency of its own on http-errors. Nest 12's adapters hand the
 * filters such an error wrapped, as the `cause` of an `HttpException` (a
 * `BadRequestException` for a body that is not JSON, on Express only): it is
 * matched there too.
 */
export abstract class BodyParserError extends Error {
  declare readonly status: number;
  declare readonly type?: string;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return parserErrorOf(value) !== undefined;
  }
}

function isParserError(value: unknown): value is BodyParserError {
  if (!(value instanceof Error)) return false;
  const { status, expose } = value as Error & { status?: unknown; expose?: unknown };
  return expose === true && (status === 400 || status === 413 || status === 415);
}

/** The body parser's own error: `value`, or the one an `HttpException` wraps. */
function parserErrorOf(value: unknown): BodyParserError | undefined {
  if (isParserError(value)) return value;
  return value instanceof HttpException && isParserError(value.cause) ? value.cause : undefined;
}

const codeOf = (status: number) =>
  status === HttpStatus.PAYLOAD_TOO_LARGE
    ? 'PAYLOAD_TOO_LARGE'
    : status === HttpStatus.UNSUPPORTED_MEDIA_TYPE
      ? 'UNSUPPORTED_MEDIA_TYPE'
      : 'INVALID_REQUEST';

/**
 * A request refused before any controller saw it gets the same
 * `{ statusCode, code, message }` as one refused by its schema: a body too
 * large (413) or in a charset or encoding the parser cannot read (415), and
 * what Nest turns into a `BadRequestException` (a body that is not JSON, a
 * path parameter with a broken %-escape). Without this filter the first are
 * answered without a `code` and logged as server errors, stack and all.
 */
@Catch(BodyParserError, BadRequestException)
export class MalformedRequestFilter implements ExceptionFilter<BodyParserError | BadRequestException> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: BodyParserError | BadRequestException, host: ArgumentsHost): void {
    const { status, body } = malformedRequestAnswer(error);
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), body, status);
  }
}

/** The status and body `MalformedRequestFilter` answers `error` with. */
export function malformedRequestAnswer(error: BodyParserError | BadRequestException): MalformedRequestAnswer {
  if (!(error instanceof BadRequestException)) {
    const parserError = parserErrorOf(error) ?? error;
    // A body that is not JSON: answered as the BadRequestException Express's adapter makes of it, on either adapter.
    if (parserError instanceof SyntaxError) return malformedRequestAnswer(new BadRequestException(parserError.message));
    const message = parserError.type ? parserError.message : `unreadable body: ${parserError.message}`;
    return answer(parserError.status, {}, message);
  }
  // Nest's own body (`{ message, error: 'Bad Request', statusCode }`) keeps its fields: clients may read them.
  const nestBody = error.getResponse();
  return answer(error.getStatus(), typeof nestBody === 'object' ? nestBody : {}, error.message);
}

interface MalformedRequestAnswer {
  status: number;
  body: Record<string, unknown>;
}

const answer = (status: number, fields: object, message: string): MalformedRequestAnswer => ({
  status,
  body: { ...fields, statusCode: status, code: codeOf(status), message },
});
