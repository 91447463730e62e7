import { z } from 'zod';

export const EmailsQuery = z.strictObject({
  orderId: z.uuid({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a UUID') }),
});
export type EmailsQuery = z.infer<typeof EmailsQuery>;
