import type { MessageHandler } from '@nestjs/microservices';
import { type DomainEvent, isKnownEventType } from '@orderflow/events';
import type { BatchHandler, EventHandlers } from '@orderflow/messaging';
import { CONSUMER_GROUP_EXTRA, type ConsumerGroupDeclaration } from './consumer-group.decorator';
import { AFTER_COMMIT_PATTERN, EVENT_BATCH_EXTRA, EVENT_BATCH_PATTERN } from './event-batch.decorator';
import { EventBatchContext, EventContext } from './event.context';
import { invokeHandler } from './handler.invocation';

/** A handler as Nest registers it with a transport (`Server.addHandler`). */
export interface HandlerRegistration {
  /** Normalized: an event type, or one of the patterns of event-batch.decorator.ts. */
  pattern: string;
  handler: MessageHandler;
  isEventHandler: boolean;
  extras: Record<string, unknown>;
}

/** One controller's handlers, shaped as the consumer runtime takes them. */
export interface ConsumerGroupHandlers {
  declaration: ConsumerGroupDeclaration;
  handlers?: EventHandlers;
  batchHandler?: BatchHandler;
  afterTransaction?: (events: readonly DomainEvent[]) => Promise<void>;
}

/**
 * Groups the registered handlers by the `@ConsumerGroup` controller they
 * belong to. A declaration the runtime could not run (a handler outside a
 * group, a request-reply pattern, an event type no contract knows, two
 * handlers for one type, both kinds of handler) fails the start, by name.
 */
export function consumerGroupsOf(registrations: readonly HandlerRegistration[]): ConsumerGroupHandlers[] {
  const groups = new Map<ConsumerGroupDeclaration, ConsumerGroupHandlers>();
  for (const registration of registrations) {
    const declaration = registration.extras[CONSUMER_GROUP_EXTRA] as ConsumerGroupDeclaration | undefined;
    if (!declaration) throw new Error(`the handler of '${registration.pattern}' is not in a @ConsumerGroup controller`);
    const group = groups.get(declaration) ?? { declaration };
    groups.set(declaration, group);
    add(group, registration);
  }
  for (const group of groups.values()) {
    const { controller } = group.declaration;
    if (!group.handlers && !group.batchHandler)
      throw new Error(`${controller}: no @EventPattern or @EventBatch handler`);
    if (group.handlers && group.batchHandler)
      throw new Error(`${controller}: either @EventPattern handlers or one @EventBatch`);
  }
  return [...groups.values()];
}

function add(group: ConsumerGroupHandlers, { pattern, handler, isEventHandler, extras }: HandlerRegistration): void {
  const { controller } = group.declaration;
  if (!isEventHandler) throw new Error(`${controller}: '${pattern}' is a @MessagePattern; a consumer answers no one`);
  const twice = () => new Error(`${controller}: two handlers for '${pattern}'`);
  if (pattern === AFTER_COMMIT_PATTERN) {
    if (group.afterTransaction) throw twice();
    group.afterTransaction = (events) => invokeHandler(handler, events);
    return;
  }
  if (pattern === EVENT_BATCH_PATTERN) {
    if (group.batchHandler) throw twice();
    const types = extras[EVENT_BATCH_EXTRA] as BatchHandler['types'];
    group.batchHandler = { types, handle: (events, ctx) => invokeHandler(handler, events, new EventBatchContext(ctx)) };
    return;
  }
  if (!isKnownEventType(pattern)) throw new Error(`${controller}: no event contract is named '${pattern}'`);
  group.handlers ??= {};
  if (group.handlers[pattern]) throw twice();
  group.handlers[pattern] = (event: DomainEvent, ctx) => invokeHandler(handler, event, new EventContext(ctx));
}
