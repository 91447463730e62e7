import { loadStackConfig } from '../../infra/src/config/stack.config';

/** An email as MailDev's REST API shows it (the fields tests read). */
export interface ReceivedEmail {
  id: string;
  subject: string;
  text: string;
  html: string;
  to: { address: string }[];
  headers: Record<string, string>;
}

/**
 * Reads what the stack's SMTP server (MailDev) received, by Message-ID, so
 * tests never need to clear the shared inbox (`DELETE /api/email/all` would
 * take other suites' emails with it).
 */
export async function emailsWithMessageId(messageId: string): Promise<ReceivedEmail[]> {
  const api = `${loadStackConfig().smtp.uiUrl}/api/email`;
  const response = await fetch(`${api}?${new URLSearchParams({ 'headers.message-id': messageId })}`);
  if (!response.ok) throw new Error(`MailDev answered ${response.status}`);
  return (await response.json()) as ReceivedEmail[];
}
