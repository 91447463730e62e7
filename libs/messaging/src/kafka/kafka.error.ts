/**
 * A failure of the Kafka client, in the port's terms. Every promise the port
 * returns rejects with one where the client library failed (a broker away, a
 * leader moving, a request refused), so nothing outside an adapter needs to
 * know a client's error classes. `retriable`: the client says the same request
 * may succeed later.
 */
export class KafkaError extends Error {
  override name = 'KafkaError';

  constructor(
    message: string,
    readonly retriable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * The port with every method's failure passed through `translate`, which
 * turns a client's own error into a KafkaError and leaves any other (one of
 * our callbacks', say) as it is.
 */
export function translatingErrors<T extends object>(port: T, translate: (error: unknown) => unknown): T {
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result: unknown = value.apply(target, args);
          return result instanceof Promise
            ? result.catch((error: unknown) => Promise.reject(translate(error)))
            : result;
        } catch (error) {
          throw translate(error);
        }
      };
    },
  });
}

/** An error's message with those of the errors it aggregates, innermost last: what the broker said is at the bottom. */
export function messageWithCauses(error: Error): string {
  const inner = error instanceof AggregateError ? error.errors.filter((e): e is Error => e instanceof Error) : [];
  return [error.message, ...inner.map(messageWithCauses)].join(': ');
}
