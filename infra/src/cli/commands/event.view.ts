import { AnyEnvelope } from '@orderflow/events';
import type { ConsumedRecord } from '@orderflow/messaging';

/** A message as the CLI shows it: where it is, and the envelope if it is one. */
export interface EventView {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** When the broker appended it (ISO). */
  appendedAt: string;
  type: string | null;
  eventId: string | null;
  /** When the event happened, by its producer's clock (ISO), if it is an envelope. */
  occurredAt: string | null;
  causationId: string | null;
  payload: unknown;
  /** Why the value is not shown as an envelope (not JSON, not an envelope): the raw text then is `payload`. */
  undecodable?: string;
}

export function viewOf(topic: string, partition: number, message: ConsumedRecord): EventView {
  const base = {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? null,
    appendedAt: new Date(Number(message.timestamp)).toISOString(),
  };
  const text = message.value?.toString('utf8') ?? '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ...base, ...noEnvelope, payload: text.slice(0, 500), undecodable: 'not JSON' };
  }
  const envelope = AnyEnvelope.safeParse(json);
  if (!envelope.success) return { ...base, ...noEnvelope, payload: json, undecodable: 'not an envelope' };
  const e = envelope.data;
  return {
    ...base,
    type: e.type,
    eventId: e.eventId,
    occurredAt: e.occurredAt,
    causationId: e.causationId,
    payload: e.payload,
  };
}

const noEnvelope = { type: null, eventId: null, occurredAt: null, causationId: null };

/** The payload on one line, at most `max` characters. */
export function payloadLine(view: EventView, max = 100): string {
  const text = typeof view.payload === 'string' ? view.payload : JSON.stringify(view.payload);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
