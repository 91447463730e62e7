import type { HeaderValue } from './kafka.port';

/**
 * A header's text, the first value of several. Debezium writes a header for
 * every placed column, with a null value for a NULL one (an event written
 * outside any span has no traceparent): null, like absent, is no text.
 */
export function headerText(value: HeaderValue): string | undefined {
  const first: Buffer | string | null | undefined = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === null ? undefined : first.toString('utf8');
}
