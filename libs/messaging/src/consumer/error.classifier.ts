/**
 * Whether a failure may go away if the same message is tried again. The
 * consumer never dead-letters a transient failure: the partition waits (with
 * backoff) for as long as it lasts. Anything else fails the same way every
 * time — a domain rule, a bug, a message the handler cannot use — and is
 * dead-lettered at once, with its code.
 *
 * Transient, by what the error carries:
 * - our own `TransientError` (SMTP unavailable, gateway time-out, a concurrency conflict, …);
 * - Postgres SQLSTATE class 08 (connection), 40001 serialization failure,
 *   40P01 deadlock, 55P03 lock not available, 57014 statement/lock time-out,
 *   57P01–57P03 shutdown/restart, class 53 (resources) and 58 (I/O);
 * - a socket that could not connect or was cut (ECONNREFUSED, ECONNRESET, …);
 * - node-postgres' own connection failures, which carry no code, only a message;
 * - any error of the Kafka client's own (a broker away, a leader moving, a request
 *   timing out), known by its class name (`KafkaJS…`).
 */
const transientPgCodes = new Set(['40001', '40P01', '55P03', '57014', '57P01', '57P02', '57P03']);
const transientPgClasses = ['08', '53', '58'];
const transientSocketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
const transientPgMessages =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|Cannot use a pool after calling end)/;

export class TransientError extends Error {
  override name = 'TransientError';
  readonly transient = true;
}

export interface Failure {
  transient: boolean;
  /** A stable code for the dead letter and /health: the error's own, or HANDLER_FAILED. */
  code: string;
  reason: string;
}

export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (transientPgCodes.has(code) || transientSocketCodes.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && transientPgClasses.includes(code.slice(0, 2))) return true;
  }
  if (typeof name === 'string' && name.startsWith('KafkaJS')) return true;
  // An AggregateError (a connect that tried several addresses) is transient if its parts are.
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.every(isTransient);
  return typeof message === 'string' && transientPgMessages.test(message);
}

export function classifyFailure(error: unknown): Failure {
  const reason = describeError(error);
  const { code } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown };
  const ownCode = typeof code === 'string' && code.length > 0 ? code : undefined;
  return { transient: isTransient(error), code: ownCode ?? errorName(error) ?? 'HANDLER_FAILED', reason };
}

export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** A named error class of our own (SmtpRejectedError, …) is a better code than HANDLER_FAILED; `Error` is not. */
const errorName = (error: unknown): string | undefined =>
  error instanceof Error && error.name !== 'Error' && error.name !== 'TypeError' ? toCode(error.name) : undefined;

const toCode = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
