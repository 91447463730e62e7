import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

/** A message the server took in full (the end of its DATA), whether or not the client heard the 250. */
export interface ReceivedMessage {
  messageId: string;
  to: string[];
  headers: string;
}

/** How the server answers a recipient: undefined accepts it. */
export type RecipientAnswer = { code: number; message: string } | undefined;

/**
 * A real SMTP server (nodemailer's smtp-server, which MailDev is built on)
 * in the test process, for what MailDev cannot do: answer 4xx or 5xx, hold
 * messages in flight (`hold`/`release`), go away and come back on the same
 * port (`stop`/`start`), and count what it received by Message-ID.
 */
export class TestSmtpServer {
  readonly received: ReceivedMessage[] = [];
  /** Decides each RCPT TO; accepts everyone by default. */
  answer: (address: string) => RecipientAnswer = () => undefined;
  private server: SMTPServer | undefined;
  private holding = false;
  private held: (() => void)[] = [];

  private constructor(private port: number) {}

  static async start(): Promise<TestSmtpServer> {
    const server = new TestSmtpServer(0);
    await server.start();
    return server;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Listens (again) on its port. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      closeTimeout: 100,
      onRcptTo: (address, _session, callback) => {
        const answer = this.answer(address.address);
        if (!answer) return callback();
        callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
      },
      onData: (stream, session, callback) => this.take(stream, session.envelope.rcptTo, callback),
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Goes away: connections are cut and new ones refused until `start`. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const connection of server.connections) connection.close();
    await closed;
  }

  /** From now on, messages are taken in but not answered until `release`: their sends stay in flight. */
  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    for (const answer of this.held.splice(0)) answer();
  }

  /** Messages taken in and not answered yet. */
  get inFlight(): number {
    return this.held.length;
  }

  countOf(messageId: string): number {
    return this.received.filter((m) => m.messageId === messageId).length;
  }

  private take(
    stream: SMTPServerDataStream,
    rcptTo: { address: string }[],
    callback: (error?: Error | null) => void,
  ): void {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers = raw.slice(0, raw.indexOf('\r\n\r\n'));
      const messageId = /^message-id:\s*(\S+)/im.exec(headers)?.[1] ?? '';
      this.received.push({ messageId, to: rcptTo.map((r) => r.address), headers });
      if (this.holding) this.held.push(() => callback());
      else callback();
    });
  }
}
