import { z } from 'zod';
import type { MailerConfig } from '../lib/config/mailer.js';
import { parseCompletionMessage, type CompletionMessage } from '../lib/contracts/completion.js';
import { emailedKey, sessionNameProblem } from '../lib/contracts/session.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { PreconditionFailedError, type Store } from '../lib/storage/index.js';
import { renderEmail, type Delivery } from './email.js';
import { checkRecipients } from './recipients.js';

/**
 * `onTranscriptReady`'s logic: one completion message becomes one email. Pub/Sub delivers at least once, so the email
 * is claimed (create-only `sessions/<S>/<run>/emailed`) before it is sent; a failure to send releases the claim and
 * throws, so that the redelivery tries again, while a permanent refusal by the SMTP server keeps it (no retry loop).
 */
export const MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

export interface OutgoingMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  attachments?: Array<{ filename: string; content: Buffer; contentType: string }>;
}

export interface MailerDeps {
  config: MailerConfig;
  /** A store rooted at the output bucket's top. */
  output: Store;
  /** nodemailer's `transporter.sendMail`. */
  send(mail: OutgoingMail): Promise<{ accepted: unknown[]; rejected: unknown[] }>;
  log: Logger;
  now?: () => Date;
}

export type MailOutcome =
  | { action: 'ignored'; reason: string }
  | { action: 'duplicate'; session: string; runId: string }
  | { action: 'sent'; session: string; runId: string; to: string[]; rejected: string[]; delivery: Delivery['kind'] }
  | { action: 'refused'; session: string; runId: string; reason: string };

/** Eventarc's MessagePublishedData; messageId may come camelCase, snake_case or both. */
const PushSchema = z.object({
  message: z.object({
    data: z.string().optional(),
    attributes: z.record(z.string(), z.string()).optional(),
    messageId: z.string().optional(),
    message_id: z.string().optional(),
  }),
  subscription: z.string().optional(),
});
const RUN_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** Base64 grows data by 4/3, and MIME folds it into 76-character lines ending in CRLF. */
export function encodedSize(bytes: number): number {
  const base64 = 4 * Math.ceil(bytes / 3);
  return base64 + 2 * Math.ceil(base64 / 76);
}

export async function handleCompletionEvent(event: { type?: string; data?: unknown }, deps: MailerDeps): Promise<MailOutcome> {
  const { config, log } = deps;
  if (event.type !== undefined && event.type !== MESSAGE_PUBLISHED) return ignored(log, `event type ${event.type} is not ${MESSAGE_PUBLISHED}`);
  let message: CompletionMessage;
  let messageId: string | undefined;
  try {
    const push = PushSchema.parse(event.data);
    messageId = push.message.messageId ?? push.message.message_id;
    const text = Buffer.from(push.message.data ?? '', 'base64').toString('utf8');
    message = parseCompletionMessage(JSON.parse(text), `completion message ${messageId ?? ''}`.trim());
  } catch (err) {
    // A malformed message will not improve with redelivery: acknowledge it, loudly.
    return ignored(log, `unreadable completion message: ${errorMessage(err)}`, 'error');
  }
  const { session, runId } = message;
  if (sessionNameProblem(session) || !RUN_ID.test(runId) || runId === '.' || runId === '..') {
    return ignored(log, `message names an unusable session "${session}" or run id "${runId}"`, 'error');
  }
  const mlog = log.child({ session, runId });

  const who = checkRecipients(message.recipients, { allowed: config.allowedRecipients, defaults: config.defaultRecipients });
  if (who.refused.length > 0) mlog.warn(`Not on the allow-list, not emailed: ${who.refused.join(', ')}`);
  if (who.recipients.length === 0) return ignored(mlog, 'nobody to email: the message names no allowed recipient and EMAIL_TO is empty', 'error');

  const claimKey = emailedKey(session, runId);
  const claim = { messageId, claimedAt: (deps.now?.() ?? new Date()).toISOString() };
  try {
    await deps.output.write(claimKey, JSON.stringify(claim), { ifAbsent: true, contentType: 'application/json' });
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err;
    mlog.info(`Already emailed (${deps.output.uriOf(claimKey)}): redelivery, nothing sent`);
    return { action: 'duplicate', session, runId };
  }

  let delivery: Delivery = { kind: 'unavailable', location: message.outputs?.prefix };
  try {
    const attachments: NonNullable<OutgoingMail['attachments']> = [];
    if (message.status === 'succeeded') delivery = await prepareDelivery(message, deps, attachments, mlog);
    const email = renderEmail(message, delivery, config.lang);
    const info = await deps.send({ from: config.from, to: who.recipients, subject: email.subject, text: email.text, ...(attachments.length ? { attachments } : {}) });
    const rejected = info.rejected.map(String);
    if (rejected.length > 0) mlog.warn(`The SMTP server refused some recipients: ${rejected.join(', ')}`);
    mlog.info(`Emailed ${message.status} notice to ${info.accepted.length} recipient(s)`, { delivery: delivery.kind });
    await deps.output
      .write(claimKey, JSON.stringify({ ...claim, sentAt: (deps.now?.() ?? new Date()).toISOString(), accepted: info.accepted.length, rejected: rejected.length }), { contentType: 'application/json' })
      .catch((e) => mlog.warn(`Sent, but could not update ${deps.output.uriOf(claimKey)}: ${errorMessage(e)}`));
    return { action: 'sent', session, runId, to: who.recipients, rejected, delivery: delivery.kind };
  } catch (err) {
    if (isPermanentRefusal(err)) {
      const reason = `the SMTP server refused the message for good: ${errorMessage(err)}`;
      mlog.error(`Not retried: ${reason}`);
      return { action: 'refused', session, runId, reason };
    }
    // Release the claim so that Pub/Sub's redelivery (triggered by the throw) can send it.
    await deps.output.delete(claimKey).catch((e) => mlog.error(`Could not release ${deps.output.uriOf(claimKey)}: ${errorMessage(e)}`));
    throw new Error(`Emailing session ${session} (run ${runId}) failed, will be retried: ${errorMessage(err)}`, { cause: err });
  }
}

/** Attaches the zip when its encoded size fits ATTACH_LIMIT_MB; otherwise signs a link to it. */
async function prepareDelivery(message: CompletionMessage, deps: MailerDeps, attachments: NonNullable<OutgoingMail['attachments']>, log: Logger): Promise<Delivery> {
  const zipUri = message.outputs?.zip;
  const location = message.outputs?.prefix;
  if (!zipUri) return { kind: 'unavailable', location };
  if (!zipUri.startsWith(deps.output.uri)) {
    log.warn(`${zipUri} is outside ${deps.output.uri}: neither attached nor linked`);
    return { kind: 'unavailable', location };
  }
  const key = zipUri.slice(deps.output.uri.length);
  const filename = key.split('/').pop()!;
  const info = await deps.output.stat(key);
  if (!info) {
    log.warn(`${zipUri} does not exist: neither attached nor linked`);
    return { kind: 'unavailable', location };
  }
  if (encodedSize(info.size) <= deps.config.attachLimitBytes) {
    attachments.push({ filename, content: await deps.output.read(key), contentType: 'application/zip' });
    return { kind: 'attached', filename, bytes: info.size };
  }
  if (!deps.output.signedUrl) return { kind: 'unavailable', location: zipUri };
  const seconds = deps.config.signedUrlSeconds;
  const url = await deps.output.signedUrl(key, seconds);
  return { kind: 'link', filename, url, expiresAt: new Date((deps.now?.() ?? new Date()).getTime() + seconds * 1000) };
}

/** 5xx answers to the envelope or the message: the same message to the same people will be refused again. */
function isPermanentRefusal(err: unknown): boolean {
  const e = err as { code?: unknown; responseCode?: unknown } | undefined;
  return (e?.code === 'EENVELOPE' || e?.code === 'EMESSAGE') && typeof e.responseCode === 'number' && e.responseCode >= 500;
}

function ignored(log: Logger, reason: string, level: 'info' | 'warn' | 'error' = 'info'): MailOutcome {
  log[level](`Ignored: ${reason}`);
  return { action: 'ignored', reason };
}
