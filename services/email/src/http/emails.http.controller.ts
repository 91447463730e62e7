import { Controller, Get, Query } from '@nestjs/common';
import { InjectPool, ZodValidationPipe } from '@orderflow/platform';
import { Pool } from 'pg';
import { type SentEmail, emailsOfOrder } from '../persistence/email.store';
import { EmailsQuery } from './email.requests';

/** `GET /emails?orderId=<uuid>`: what was sent about an order, oldest first (empty while nothing was). */
@Controller('emails')
export class EmailsHttpController {
  constructor(@InjectPool() private readonly pool: Pool) {}

  @Get()
  async list(
    @Query(new ZodValidationPipe(EmailsQuery)) { orderId }: EmailsQuery,
  ): Promise<{ orderId: string; emails: SentEmail[] }> {
    return { orderId, emails: await emailsOfOrder(this.pool, orderId) };
  }
}
