import type { QueryConfig } from 'pg';

/**
 * A statement Postgres parses and plans once per connection and then reuses,
 * for the statements every request or event runs. Measured on this project's
 * stack: an inbox + outbox transaction costs the backend 330 instead of
 * 520 µs of CPU. Each name stands for exactly one text.
 */
export const prepared =
  (name: string, text: string) =>
  (values: unknown[]): QueryConfig => ({ name, text, values });
