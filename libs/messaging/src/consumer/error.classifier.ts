/**
 * Whether an error may go away if the same message is tried again: a lost
 * connection, a serialization failure or deadlock, a server shutting down.
 * Anything else (a bug, a domain rule) fails the same way every time and is
 * dead-lettered at once instead of being retried.
 */
const transientPgCodes = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300']);

export class TransientError extends Error {
  readonly transient = true;
}

export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' && (transientPgCodes.has(code) || code.startsWith('08'))) return true;
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(String(code));
}
