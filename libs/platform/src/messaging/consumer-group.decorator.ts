import { UseFilters } from '@nestjs/common';
import { PATTERN_EXTRAS_METADATA, PATTERN_HANDLER_METADATA } from '@nestjs/microservices/constants';
import type { EventConsumerOptions } from '@orderflow/messaging';
import type { ServiceEnv } from '../service.config';
import { PassErrorsThrough } from './pass-errors-through.filter';

/** A group's settings; its handlers are the controller's `@EventPattern`, `@EventBatch` and `@AfterCommit` methods. */
export type ConsumerGroupSettings = Omit<
  EventConsumerOptions,
  'handlers' | 'batchHandler' | 'afterTransaction' | 'pool' | 'kafka' | 'observer'
>;

export interface ConsumerGroupDeclaration {
  /** The controller's class name, for the errors a wrong declaration gets at start. */
  controller: string;
  settings: (config: ServiceEnv) => ConsumerGroupSettings;
}

/** The key of a handler's `extras` that names its group. */
export const CONSUMER_GROUP_EXTRA = 'orderflow:consumer-group';

/**
 * Makes a controller one consumer group. `settings` is called at start with
 * the service's config (the one given to `PlatformModule.forService`), so
 * group and topic names come from it, as tests override them.
 *
 * Nest hands a transport only each handler and its `extras`, not its class:
 * the group is stamped into the extras of every event handler of the class
 * (a class decorator runs after its methods' decorators). The filter lets a
 * handler's error reach the unit of work unchanged (PassErrorsThrough).
 */
export function ConsumerGroup<C extends ServiceEnv>(settings: (config: C) => ConsumerGroupSettings): ClassDecorator {
  return (target) => {
    const declaration: ConsumerGroupDeclaration = {
      controller: target.name,
      settings: settings as (config: ServiceEnv) => ConsumerGroupSettings,
    };
    const prototype: object = target.prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method: unknown = Reflect.get(prototype, name);
      if (typeof method !== 'function' || Reflect.getMetadata(PATTERN_HANDLER_METADATA, method) === undefined) continue;
      const extras: Record<string, unknown> = Reflect.getMetadata(PATTERN_EXTRAS_METADATA, method) ?? {};
      Reflect.defineMetadata(PATTERN_EXTRAS_METADATA, { ...extras, [CONSUMER_GROUP_EXTRA]: declaration }, method);
    }
    UseFilters(new PassErrorsThrough())(target);
  };
}
