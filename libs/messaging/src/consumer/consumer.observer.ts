/**
 * What a consumer reports as it works, for whoever measures it (libs/platform
 * turns it into Prometheus metrics). Called on the consumer's own path, after
 * the fact: an observer must be cheap and must not throw.
 */
export interface ConsumerObserver {
  /**
   * A unit of work committed: how long its transaction took (BEGIN to COMMIT),
   * the events it applied (new to the inbox) and the ones it found already
   * applied (redeliveries), each with where it was consumed.
   */
  unitCommitted(unit: CommittedUnit): void;
  /** One event's handler ran (inside a unit that may still fail). A projection's batch counts once per event, its share. */
  eventHandled(topic: string, seconds: number): void;
  /** A run failed transiently: its partition waits and tries again. */
  retried(topic: string): void;
  /** A message was set aside on the dead-letter topic for good. */
  deadLettered(topic: string, code: string): void;
}

export interface CommittedUnit {
  seconds: number;
  processed: readonly Consumed[];
  duplicates: readonly Consumed[];
}

export interface Consumed {
  topic: string;
  partition: number;
}

export const ignoreObservations: ConsumerObserver = {
  unitCommitted: () => undefined,
  eventHandled: () => undefined,
  retried: () => undefined,
  deadLettered: () => undefined,
};
