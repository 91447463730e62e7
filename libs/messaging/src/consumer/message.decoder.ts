import { ContractViolation, type DomainEvent, Headers, maxEventBytes, parseEvent } from '@orderflow/events';
import type { ConsumedRecord } from '../kafka/kafka.port';

export type Decoded =
  | { ok: true; event: DomainEvent; message: ConsumedRecord }
  | { ok: false; reason: string; code: string; message: ConsumedRecord };

// Fatal: bytes that are not UTF-8 are refused, not turned into U+FFFD and let through.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Kafka value → a current-version event, or why it is not one. Never throws.
 * The `id` header must name the envelope's event id (Debezium's EventRouter
 * and the polling relay both write it): a message without it did not come
 * from an outbox, and one whose header disagrees would be deduplicated under
 * the wrong id by whoever trusts the header.
 */
export function decodeMessage(message: ConsumedRecord): Decoded {
  const fail = (code: string, reason: string): Decoded => ({ ok: false, code, reason, message });
  if (message.value === null) return fail('EMPTY_VALUE', 'the message has no value');
  if (message.value.length > maxEventBytes) {
    return fail('VALUE_TOO_LARGE', `${message.value.length} bytes, over the ${maxEventBytes} an event may have`);
  }
  let text: string;
  try {
    text = utf8.decode(message.value);
  } catch {
    return fail('MALFORMED_UTF8', 'the value is not UTF-8 text');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail('MALFORMED_JSON', `not JSON: ${(error as Error).message}`);
  }
  let event: DomainEvent;
  try {
    event = parseEvent(json);
  } catch (error) {
    if (error instanceof ContractViolation) return fail(error.code, error.message);
    throw error;
  }
  const header = message.headers?.[Headers.eventId];
  if (header === undefined || header === null) {
    return fail('MISSING_EVENT_ID_HEADER', `no '${Headers.eventId}' header (event ${event.eventId})`);
  }
  if (header.toString() !== event.eventId) {
    return fail(
      'EVENT_ID_MISMATCH',
      `header '${Headers.eventId}' is ${header.toString()}, the event's id ${event.eventId}`,
    );
  }
  return { ok: true, event, message };
}
