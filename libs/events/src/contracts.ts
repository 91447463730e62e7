import { CodedError } from './coded.error';
import type { z } from 'zod';
import { EmailSentV1 } from './email/email-sent.v1';
import { AnyEnvelope } from './envelope/envelope';
import { OrderCancelledV1 } from './orders/order-cancelled.v1';
import { OrderConfirmedV1 } from './orders/order-confirmed.v1';
import { OrderPlacedV1 } from './orders/order-placed.v1';
import { OrderShippedV1 } from './orders/order-shipped.v1';
import { PaymentAuthorizedV1 } from './payments/payment-authorized.v1';
import { PaymentDeclinedV1 } from './payments/payment-declined.v1';
import { PaymentDeclinedV2, upcastPaymentDeclinedV1 } from './payments/payment-declined.v2';
import { PaymentRefundedV1 } from './payments/payment-refunded.v1';

/**
 * Every event type, its versions, and how an older version becomes the current
 * one. Code outside this file sees current versions only: an event is upcast as
 * it is read.
 */
const contracts = {
  OrderPlaced: { current: OrderPlacedV1, older: {} },
  OrderConfirmed: { current: OrderConfirmedV1, older: {} },
  OrderCancelled: { current: OrderCancelledV1, older: {} },
  OrderShipped: { current: OrderShippedV1, older: {} },
  PaymentAuthorized: { current: PaymentAuthorizedV1, older: {} },
  PaymentDeclined: {
    current: PaymentDeclinedV2,
    older: { 1: (raw: unknown) => upcastPaymentDeclinedV1(PaymentDeclinedV1.parse(raw)) },
  },
  PaymentRefunded: { current: PaymentRefundedV1, older: {} },
  EmailSent: { current: EmailSentV1, older: {} },
} as const;

export type EventType = keyof typeof contracts;
export type EventOf<T extends EventType> = z.infer<(typeof contracts)[T]['current']>;
export type DomainEvent = { [T in EventType]: EventOf<T> }[EventType];
export const eventTypes = Object.keys(contracts) as EventType[];

export const isKnownEventType = (type: string): type is EventType => Object.hasOwn(contracts, type);

/** Why a message is not a valid event: stable codes, for the dead-letter reason. */
export type ContractViolationCode =
  'NOT_AN_ENVELOPE' | 'UNKNOWN_EVENT_TYPE' | 'UNKNOWN_SCHEMA_VERSION' | 'SCHEMA_VIOLATION';

export class ContractViolation extends CodedError<ContractViolationCode> {
  constructor(code: ContractViolationCode, message: string) {
    super(code, `${code}: ${message}`);
  }
}

/**
 * Validates any message as an event and returns it at its type's current version.
 * The happy path validates once, against the type's own schema; the envelope
 * alone is checked only to name what is wrong with a message that fails.
 */
export function parseEvent(raw: unknown): DomainEvent {
  const { type, schemaVersion } = (raw ?? {}) as { type?: unknown; schemaVersion?: unknown };
  const contract = typeof type === 'string' && isKnownEventType(type) ? contracts[type] : undefined;
  if (contract && schemaVersion === currentVersionOf(contract.current)) {
    const parsed = (contract.current as z.ZodType).safeParse(raw);
    if (parsed.success) return parsed.data as DomainEvent;
    envelopeOrThrow(raw);
    throw new ContractViolation('SCHEMA_VIOLATION', `${type as string} v${schemaVersion}: ${summarize(parsed.error)}`);
  }
  envelopeOrThrow(raw);
  if (!contract) throw new ContractViolation('UNKNOWN_EVENT_TYPE', `no contract for type '${String(type)}'`);
  const upcast = (contract.older as Record<number, (raw: unknown) => unknown>)[schemaVersion as number];
  if (!upcast) {
    throw new ContractViolation(
      'UNKNOWN_SCHEMA_VERSION',
      `${String(type)} has no schema version ${String(schemaVersion)}`,
    );
  }
  try {
    return upcast(raw) as DomainEvent;
  } catch (error) {
    const detail = error instanceof Error && 'issues' in error ? summarize(error as z.ZodError) : String(error);
    throw new ContractViolation('SCHEMA_VIOLATION', `${String(type)} v${String(schemaVersion)}: ${detail}`);
  }
}

const currentVersionOf = (schema: { shape: { schemaVersion: unknown } }) =>
  (schema.shape.schemaVersion as z.ZodLiteral<number>).value;

function envelopeOrThrow(raw: unknown): void {
  const envelope = AnyEnvelope.safeParse(raw);
  if (!envelope.success) throw new ContractViolation('NOT_AN_ENVELOPE', summarize(envelope.error));
}

const summarize = (error: z.ZodError) =>
  error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
