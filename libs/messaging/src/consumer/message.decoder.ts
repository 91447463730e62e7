import { ContractViolation, type DomainEvent, parseEvent } from '@orderflow/events';
import type { KafkaMessage } from 'kafkajs';

export type Decoded =
  | { ok: true; event: DomainEvent; message: KafkaMessage }
  | { ok: false; reason: string; code: string; message: KafkaMessage };

/** Kafka value → a current-version event, or why it is not one. Never throws. */
export function decodeMessage(message: KafkaMessage): Decoded {
  if (message.value === null) return { ok: false, code: 'EMPTY_VALUE', reason: 'the message has no value', message };
  let json: unknown;
  try {
    json = JSON.parse(message.value.toString('utf8'));
  } catch (error) {
    return { ok: false, code: 'MALFORMED_JSON', reason: `not JSON: ${(error as Error).message}`, message };
  }
  try {
    return { ok: true, event: parseEvent(json), message };
  } catch (error) {
    if (error instanceof ContractViolation) return { ok: false, code: error.code, reason: error.message, message };
    throw error;
  }
}
