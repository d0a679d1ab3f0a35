/**
 * What an SMTP failure means for the mailer, from nodemailer's error (`responseCode`, `response`, `code`,
 * `command`): try again later, send it again without the attachment, or give up and record why.
 *
 * - too big: 552 (RFC 5321's "exceeded storage allocation", what servers answer for an oversized message), the
 *   enhanced codes 5.3.4 and 5.2.3, or nodemailer's own refusal when the server's SIZE extension says so before
 *   sending. Not 552 5.2.2, which is a full mailbox.
 * - transient: every 4xx (greylisting's 451, "try again later"), connection and timeout errors, and 535 (a refused
 *   login: the administrator stores the right password and the redelivery goes through).
 * - final: any other 5xx; the same message to the same people would be refused again.
 */
export interface SmtpAnswer {
  code?: number;
  response?: string;
  command?: string;
}

export type SmtpVerdict = { kind: 'too-big' | 'transient' | 'final'; answer: SmtpAnswer };

export function smtpVerdict(err: unknown): SmtpVerdict {
  const e = (err ?? {}) as { responseCode?: unknown; response?: unknown; code?: unknown; command?: unknown; message?: unknown };
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const response = typeof e.response === 'string' ? e.response.slice(0, 500) : undefined;
  const answer: SmtpAnswer = { ...(code !== undefined ? { code } : {}), ...(response ? { response } : {}), ...(typeof e.command === 'string' ? { command: e.command } : {}) };
  const message = typeof e.message === 'string' ? e.message : '';
  if (code === undefined) {
    if (e.code === 'EMESSAGE' && /size larger than allowed/i.test(message)) return { kind: 'too-big', answer: { ...answer, response: message } };
    return { kind: 'transient', answer };
  }
  const enhanced = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(response ?? message)?.[0];
  if (enhanced === '5.3.4' || enhanced === '5.2.3' || (code === 552 && enhanced !== '5.2.2')) return { kind: 'too-big', answer };
  if (code >= 400 && code < 500) return { kind: 'transient', answer };
  if (code === 535) return { kind: 'transient', answer };
  if (code >= 500) return { kind: 'final', answer };
  return { kind: 'transient', answer };
}
