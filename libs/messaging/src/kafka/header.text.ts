import type { IHeaders } from 'kafkajs';

/**
 * A header's text, the first value of several. Debezium writes a header for
 * every placed column, with a null value for a NULL one (an event written
 * outside any span has no traceparent; kafkajs' types omit the null): null,
 * like absent, is no text.
 */
export function headerText(value: IHeaders[string] | null): string | undefined {
  const first: Buffer | string | null | undefined = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === null ? undefined : first.toString('utf8');
}
