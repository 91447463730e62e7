import type { QueryConfig } from 'pg';

/**
 * A statement Postgres parses and plans once per connection and then reuses,
 * for the statements every request or event runs: less backend CPU per
 * transaction (`npm run bench -- persistence` measures both ways). Each name
 * stands for exactly one text.
 */
export const prepared =
  (name: string, text: string) =>
  (values: unknown[]): QueryConfig => ({ name, text, values });
