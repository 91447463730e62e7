import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ZodValidationPipe } from '@orderflow/platform';
import { EMAIL_READS, type EmailReads, type SentEmail } from '../application/email-reads.port';
import { EmailsQuery } from './email.requests';

/** `GET /emails?orderId=<uuid>`: what was sent about an order, oldest first (empty while nothing was). */
@Controller('emails')
export class EmailsHttpController {
  constructor(@Inject(EMAIL_READS) private readonly reads: EmailReads) {}

  @Get()
  async list(
    @Query(new ZodValidationPipe(EmailsQuery)) { orderId }: EmailsQuery,
  ): Promise<{ orderId: string; emails: SentEmail[] }> {
    return { orderId, emails: await this.reads.sentAbout(orderId) };
  }
}
