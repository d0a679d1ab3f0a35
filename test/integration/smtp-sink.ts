/**
 * A real SMTP server (smtp-server) on loopback that keeps every message it accepts, parsed by mailparser, so mailer
 * tests send through real nodemailer. Plain SMTP without STARTTLS: the client must not require TLS (`secure: false`,
 * `ignoreTLS: true` or simply no `requireTLS`). Optional AUTH PLAIN/LOGIN with one user; recipients can be refused.
 */
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server';

export interface SmtpSinkOptions {
  /** When given, the sink requires AUTH (PLAIN or LOGIN) with exactly these credentials and answers 535 otherwise. */
  auth?: { user: string; pass: string };
  /** Recipients answered `550 5.1.1` at RCPT TO (compared case-insensitively). */
  refuseRecipients?: string[];
  /**
   * Messages larger than this are answered `552 5.3.4` after DATA, as Gmail and most servers do. The limit is not
   * advertised (no SIZE extension), so the client learns it only from the refusal.
   */
  maxMessageBytes?: number;
}

export interface ReceivedAttachment {
  filename: string | undefined;
  contentType: string;
  size: number;
  content: Buffer;
}

export interface ReceivedMail {
  /** SMTP envelope, as given in MAIL FROM / accepted RCPT TO. */
  envelope: { from: string; to: string[] };
  /** The user that authenticated and the AUTH mechanism used, if any. */
  user: string | undefined;
  authMethod: string | undefined;
  /** Header addresses, bare (no display names). */
  from: string[];
  to: string[];
  cc: string[];
  subject: string | undefined;
  text: string | undefined;
  html: string | undefined;
  attachments: ReceivedAttachment[];
  headers: Map<string, unknown>;
  raw: Buffer;
}

export interface SmtpSink {
  host: string;
  port: number;
  /** Every accepted message, in arrival order; a message is here before the client's sendMail resolves. */
  messages: ReceivedMail[];
  waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** The next messages' DATA is answered with these codes, in order (e.g. 451 greylisting, 554 refusal), then normally. */
  answerNext(...answers: Array<{ code: number; message: string }>): void;
  /** Messages refused so far, with the answer given. */
  refused: Array<{ code: number; message: string; bytes: number }>;
  /** Stops listening: later connections get ECONNREFUSED. Open sessions are told 421 and cut. */
  close(): Promise<void>;
}

interface AuthenticatedUser {
  name: string;
  method: string;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((o) => o.value.map((a) => a.address ?? '').filter(Boolean));
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const refused = new Set((options.refuseRecipients ?? []).map((a) => a.toLowerCase()));
  const { auth } = options;
  const queued: Array<{ code: number; message: string }> = [];
  const refusedMessages: Array<{ code: number; message: string; bytes: number }> = [];

  const server = new SMTPServer({
    secure: false,
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: !auth,
    // AUTH over plain TCP is fine on loopback; without this the server demands STARTTLS first.
    allowInsecureAuth: true,
    logger: false,
    // Sessions left open (pooled clients) would otherwise hold close() for 30 s.
    closeTimeout: 100,
    ...(options.maxMessageBytes !== undefined ? { size: options.maxMessageBytes, hideSize: true } : {}),
    onAuth(login: SMTPServerAuthentication, _session: SMTPServerSession, callback) {
      if (auth && login.username === auth.user && login.password === auth.pass) return callback(null, { user: { name: login.username, method: login.method } });
      callback(smtpError('5.7.8 Authentication credentials invalid', 535));
    },
    onRcptTo(address, _session, callback) {
      if (refused.has(address.address.toLowerCase())) return callback(smtpError(`5.1.1 <${address.address}>: Recipient address rejected`, 550));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const answer = queued.shift();
        if (answer) {
          refusedMessages.push({ ...answer, bytes: raw.length });
          return callback(smtpError(answer.message, answer.code));
        }
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          const refusal = { code: 552, message: '5.3.4 Message size exceeds fixed maximum message size' };
          refusedMessages.push({ ...refusal, bytes: raw.length });
          return callback(smtpError(refusal.message, refusal.code));
        }
        // Parse before answering 250, so a message is recorded by the time the client hears it was accepted.
        simpleParser(raw).then(
          (parsed) => {
            messages.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              user: (session.user as AuthenticatedUser | undefined)?.name,
              authMethod: (session.user as AuthenticatedUser | undefined)?.method,
              from: addresses(parsed.from),
              to: addresses(parsed.to),
              cc: addresses(parsed.cc),
              subject: parsed.subject,
              text: parsed.text,
              html: parsed.html === false ? undefined : parsed.html,
              attachments: parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size, content: a.content })),
              headers: parsed.headers,
              raw,
            });
            for (const wake of waiters) wake();
            callback();
          },
          (err: Error) => callback(smtpError(`4.3.0 message could not be parsed: ${err.message}`, 451)),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    host: '127.0.0.1',
    port,
    messages,
    waitForMessages(count, timeoutMs = 5000) {
      if (messages.length >= count) return Promise.resolve([...messages]);
      return new Promise((resolve, reject) => {
        const wake = () => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve([...messages]);
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`SMTP sink got ${messages.length} message(s) within ${timeoutMs} ms, expected ${count}`));
        }, timeoutMs);
        waiters.add(wake);
      });
    },
    answerNext: (...answers) => queued.push(...answers),
    refused: refusedMessages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
