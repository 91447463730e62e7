import { z } from 'zod';

/**
 * What every event carries around its payload. `aggregateVersion` is the
 * event's position in its own stream (1, 2, 3 … per aggregate); `causationId`
 * is the id of the event or request that caused it, `correlationId` ties a
 * whole saga together (the order's first command).
 */
/**
 * The largest event a consumer accepts, in bytes of its Kafka value. Ours are
 * a few KB; anything past 1 MiB is not an event of this system (the topics
 * allow up to 2 MiB so that such a message reaches a consumer and its dead
 * letter, rather than failing the producer that sent it).
 */
export const maxEventBytes = 1024 * 1024;

export const EnvelopeFields = {
  eventId: z.uuid(),
  type: z.string().min(1),
  schemaVersion: z.number().int().positive(),
  aggregateType: z.string().min(1),
  aggregateId: z.string().min(1),
  aggregateVersion: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  correlationId: z.uuid(),
  causationId: z.uuid().nullable(),
};

export const AnyEnvelope = z.object({ ...EnvelopeFields, payload: z.unknown() });
export type AnyEnvelope = z.infer<typeof AnyEnvelope>;

/** The schema of one event type at one version: its envelope with the type, version and payload pinned. */
export const envelopeOf = <T extends string, V extends number, P extends z.ZodType>(
  type: T,
  schemaVersion: V,
  aggregateType: string,
  payload: P,
) =>
  z.object({
    ...EnvelopeFields,
    type: z.literal(type),
    schemaVersion: z.literal(schemaVersion),
    aggregateType: z.literal(aggregateType),
    payload,
  });
