import { EventPattern } from '@nestjs/microservices';
import type { EventType } from '@orderflow/events';

/** Patterns no event type can have: the handlers of a group that are not one event's. */
export const EVENT_BATCH_PATTERN = 'orderflow:event-batch';
export const AFTER_COMMIT_PATTERN = 'orderflow:after-commit';
/** The key of a batch handler's `extras` that lists its event types. */
export const EVENT_BATCH_EXTRA = 'orderflow:event-types';

/*
 * `EventPattern<string>`: given a bare string, @nestjs/microservices 12 picks
 * its typed overload, whose handler is `(data, ...args: unknown[])`, and a
 * `@Ctx()` parameter or a method without parameters no longer type-checks. A
 * type argument that is not a record selects the untyped overload (in the
 * services, `EventPattern<EventType>('OrderPlaced')`, which also checks the name).
 */

/**
 * For a projection: the method receives every claimed event of `types` in a
 * unit at once (`@Payload() events: DomainEvent[]`, in partition order) and an
 * `EventBatchContext`, so rows are read and written once per unit. A group has
 * either one batch handler or `@EventPattern` handlers.
 */
export const EventBatch = (types: readonly EventType[]): MethodDecorator =>
  EventPattern<string>(EVENT_BATCH_PATTERN, { [EVENT_BATCH_EXTRA]: types });

/**
 * Called once a unit's transaction committed, before its offsets are, with
 * every event of the unit (`@Payload() events: DomainEvent[]`), duplicates
 * included: what it starts (a publication, a wake-up) happens at least once
 * even if the process died after the commit last time.
 */
export const AfterCommit = (): MethodDecorator => EventPattern<string>(AFTER_COMMIT_PATTERN);
