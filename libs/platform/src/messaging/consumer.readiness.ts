import type { EventConsumer } from '@orderflow/messaging';
import type { ReadinessSource } from '../health/readiness.registry';

/** A consumer group is ready once it joined its group and no partition waits out a failure. */
export function consumerReadiness(consumer: EventConsumer): ReadinessSource {
  return {
    name: `consumer ${consumer.status().groupId}`,
    readiness: () => {
      const { state, blocked, lastError } = consumer.status();
      return {
        ready: state === 'joined' && blocked.length === 0,
        details: { state, blocked, ...(state !== 'joined' && lastError ? { lastError } : {}) },
      };
    },
  };
}
