import { z } from 'zod';
import type { MailerConfig } from '../lib/config/mailer.js';
import { parseCompletionMessage, type CompletionMessage } from '../lib/contracts/completion.js';
import { emailedKey, isRunId, normaliseSessionName, runFolder, sessionNameProblem, zipFileName } from '../lib/contracts/session.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { NotFoundError, PreconditionFailedError, type Store } from '../lib/storage/index.js';
import { LISTENING_FILE, zipWithAudio } from './attachment.js';
import { renderEmail, type Delivery, type Listening } from './email.js';
import { checkRecipients } from './recipients.js';
import { smtpVerdict, type SmtpAnswer } from './smtp-errors.js';

/**
 * `onTranscriptReady`'s logic: one completion message becomes one email. Pub/Sub delivers at least once, so the email
 * is claimed (create-only `sessions/<S>/<run>/emailed.json`) before it is sent, and the claim then records how it
 * went. A transient failure (SMTP down, a 4xx answer such as greylisting) releases the claim and throws, so that the
 * redelivery tries again; a message too big for the server is sent again with a link instead of the attachment; any
 * other refusal is final and recorded, so that `make status` shows why no email came.
 *
 * Anyone allowed to publish on the topic can send a message, so nothing in it is trusted to name an object: the zip
 * attached or linked is always `sessions/<S>/<run>/<S>.zip` of the message's own session and run (and the recap
 * attached beside it, `sessions/<S>/<run>/recap.md`), and a message pointing anywhere else is refused. Every message
 * that can never be processed is acknowledged, with a log line.
 *
 * transcript.html and its audio.opus, when the run wrote them (listed in the message's files, under the same run's
 * folder), are linked (signed) beside the zip; the audio joins the attached zip when both fit the limit.
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
  send(mail: OutgoingMail): Promise<{ accepted: unknown[]; rejected: unknown[]; response?: string }>;
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
    data: z.string().max(14_000_000).optional(),
    attributes: z.record(z.string(), z.string()).optional(),
    messageId: z.string().max(200).optional(),
    message_id: z.string().max(200).optional(),
  }),
  subscription: z.string().optional(),
});

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
  const session = normaliseSessionName(message.session);
  const { runId } = message;
  const unusable = unusableReason(message, session);
  if (unusable) return ignored(log, unusable, 'error');
  const mlog = log.child({ session, runId });

  const who = checkRecipients(message.recipients, { allowed: config.allowedRecipients, defaults: config.defaultRecipients });
  if (who.refused.length > 0) mlog.warn(`Not on the allow-list, not emailed: ${who.refused.join(', ')}`);
  if (who.recipients.length === 0) return ignored(mlog, 'nobody to email: the message names no allowed recipient and EMAIL_TO is empty', 'error');

  const claimKey = emailedKey(session, runId);
  const claim = { messageId, claimedAt: now(deps).toISOString() };
  try {
    await deps.output.write(claimKey, JSON.stringify({ ...claim, state: 'sending' }), { ifAbsent: true, contentType: 'application/json' });
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err;
    mlog.info(`Already emailed (${deps.output.uriOf(claimKey)}): redelivery, nothing sent`);
    return { action: 'duplicate', session, runId };
  }
  const record = (fields: Record<string, unknown>) =>
    deps.output
      .write(claimKey, JSON.stringify({ ...claim, ...fields }, null, 2), { contentType: 'application/json' })
      .catch((e) => mlog.warn(`Could not update ${deps.output.uriOf(claimKey)}: ${errorMessage(e)}`));

  try {
    const attempt = await sendWithFallback(message, session, who.recipients, deps, mlog);
    const rejected = attempt.info.rejected.map(String);
    if (rejected.length > 0) mlog.warn(`The SMTP server refused some recipients: ${rejected.join(', ')}`);
    mlog.info(`Emailed ${message.status} notice to ${attempt.info.accepted.length} recipient(s)`, { delivery: attempt.delivery.kind });
    await record({ state: 'sent', sentAt: now(deps).toISOString(), delivery: attempt.delivery.kind, accepted: attempt.info.accepted.length, rejected, ...(attempt.fellBack ? { fellBack: attempt.fellBack } : {}) });
    return { action: 'sent', session, runId, to: who.recipients, rejected, delivery: attempt.delivery.kind };
  } catch (err) {
    if (err instanceof ForgedMessage) {
      mlog.error(`Refused: ${err.message}`);
      await record({ state: 'refused', reason: err.message });
      return { action: 'refused', session, runId, reason: err.message };
    }
    const verdict = smtpVerdict(err);
    // Too big with nothing left to drop (sendWithFallback already tried the link) is as final as any 5xx.
    if (verdict.kind === 'final' || verdict.kind === 'too-big') {
      const reason = `the SMTP server refused the message for good: ${verdict.answer.response ?? errorMessage(err)}`;
      mlog.error(`Not retried: ${reason}`);
      await record({ state: 'refused', reason, smtp: verdict.answer });
      return { action: 'refused', session, runId, reason };
    }
    // Release the claim so that Pub/Sub's redelivery (triggered by the throw) can send it.
    await deps.output.delete(claimKey).catch((e) => mlog.error(`Could not release ${deps.output.uriOf(claimKey)}: ${errorMessage(e)}`));
    throw new Error(`Emailing session ${session} (run ${runId}) failed, will be retried: ${errorMessage(err)}`, { cause: err });
  }
}

/** Why a message can never be emailed, or undefined. */
function unusableReason(message: CompletionMessage, session: string): string | undefined {
  if (!isRunId(message.runId)) return `message names an unusable run id "${message.runId.slice(0, 120)}"`;
  // The trigger reports refused session names too (that is the point of the email), but never "." or a path.
  if (session === '.' || session === '..' || session.includes('/')) return `message names an unusable session "${session.slice(0, 120)}"`;
  if (message.status === 'succeeded' && sessionNameProblem(session)) return `a finished run cannot belong to the session "${session.slice(0, 120)}"`;
  return undefined;
}

/** A message that names an object outside its own run. */
class ForgedMessage extends Error {}

/**
 * Sends the email; when the server refuses it for its size and it carried the zip, sends it again with a signed link
 * instead (the delivery an oversized zip gets anyway).
 */
async function sendWithFallback(message: CompletionMessage, session: string, to: string[], deps: MailerDeps, log: Logger) {
  const zip = await zipOf(message, session, deps);
  const recap = await recapOf(message, session, deps);
  const page = await pageOf(message, session, deps);
  const listening = await listeningLinks(page, deps);
  let delivery = await prepareDelivery(message, zip, page, deps, deps.config.attachLimitBytes);
  try {
    return { delivery, info: await deps.send(mail(message, delivery, listening, to, deps, recap)), fellBack: undefined as SmtpAnswer | undefined };
  } catch (err) {
    const verdict = smtpVerdict(err);
    if (verdict.kind !== 'too-big' || delivery.kind !== 'attached') throw err;
    log.warn(`The SMTP server refused the message for its size (${verdict.answer.response ?? errorMessage(err)}): sending a link instead`);
    delivery = await prepareDelivery(message, zip, page, deps, 0);
    return { delivery, info: await deps.send(mail(message, delivery, listening, to, deps, recap)), fellBack: verdict.answer };
  }
}

type PreparedDelivery = Delivery & { attachment?: { filename: string; content: Buffer } };

function mail(message: CompletionMessage, delivery: PreparedDelivery, listening: Listening | undefined, to: string[], deps: MailerDeps, recap: Buffer | undefined): OutgoingMail {
  const email = renderEmail(message, delivery, deps.config.lang, { recapAttached: recap !== undefined, listening });
  const attachments = [
    ...(delivery.attachment ? [{ ...delivery.attachment, contentType: 'application/zip' }] : []),
    ...(recap ? [{ filename: RECAP_NAME, content: recap, contentType: 'text/markdown; charset=utf-8' }] : []),
  ];
  return { from: deps.config.from, to, subject: email.subject, text: email.text, ...(attachments.length ? { attachments } : {}) };
}

/** The recap the job writes beside the zip; a few KB, so it travels as a file of its own even when the zip is a link. */
const RECAP_NAME = 'recap.md';
const RECAP_MAX_BYTES = 1024 * 1024;

/** recap.md of the message's own run, when the message says there is a recap; undefined when it cannot be read. */
async function recapOf(message: CompletionMessage, session: string, deps: MailerDeps): Promise<Buffer | undefined> {
  if (message.status !== 'succeeded' || !message.recap) return undefined;
  const key = `${runFolder(session, message.runId)}/${RECAP_NAME}`;
  try {
    return await deps.output.read(key, { maxBytes: RECAP_MAX_BYTES });
  } catch (err) {
    if (!(err instanceof NotFoundError)) deps.log.warn(`Could not read ${deps.output.uriOf(key)}: ${errorMessage(err)}; the email goes without it`);
    else deps.log.warn(`${deps.output.uriOf(key)} does not exist: the email goes without it`);
    return undefined;
  }
}

/**
 * The run's zip, where the job writes it: `sessions/<S>/<run>/<S>.zip` in the output bucket. A message naming any
 * other object (another session's zip, a claim file, the bucket's root) is forged or broken: refused.
 */
async function zipOf(message: CompletionMessage, session: string, deps: MailerDeps): Promise<{ key: string; size: number } | undefined> {
  if (message.status !== 'succeeded') return undefined;
  const key = `${runFolder(session, message.runId)}/${zipFileName(session)}`;
  const named = message.outputs?.zip;
  if (named !== undefined && named !== deps.output.uriOf(key)) {
    throw new ForgedMessage(`the message names ${named.slice(0, 300)} as its zip, but a run's zip can only be ${deps.output.uriOf(key)}`);
  }
  if (named === undefined) return undefined;
  const info = await deps.output.stat(key);
  if (!info) {
    deps.log.warn(`${deps.output.uriOf(key)} does not exist: neither attached nor linked`);
    return undefined;
  }
  return { key, size: info.size };
}

interface RunPage {
  /** transcript.html, when the run wrote it. */
  page?: string;
  /** audio.opus beside it, and its size. */
  audio?: { key: string; size: number };
}

/** The run's page and audio: fixed names in the run's own folder, taken only when the message lists them and they exist. */
async function pageOf(message: CompletionMessage, session: string, deps: MailerDeps): Promise<RunPage> {
  if (message.status !== 'succeeded') return {};
  const listed = new Set(message.outputs?.files ?? []);
  const find = async (name: string) => {
    const key = `${runFolder(session, message.runId)}/${name}`;
    if (!listed.has(deps.output.uriOf(key))) return undefined;
    const info = await deps.output.stat(key);
    return info ? { key, size: info.size } : undefined;
  };
  const page = await find('transcript.html');
  const audio = await find(LISTENING_FILE);
  return { ...(page ? { page: page.key } : {}), ...(audio ? { audio } : {}) };
}

/**
 * Signed links to the page and its audio. The page reads its audio's signed address from its fragment (#audio=…):
 * a relative one would lack the signature; the fragment never reaches a server.
 */
async function listeningLinks(run: RunPage, deps: MailerDeps): Promise<Listening | undefined> {
  if (!deps.output.signedUrl || (!run.page && !run.audio)) return undefined;
  const seconds = deps.config.signedUrlSeconds;
  const audio = run.audio ? { url: await deps.output.signedUrl(run.audio.key, seconds), bytes: run.audio.size } : undefined;
  const page = run.page ? (await deps.output.signedUrl(run.page, seconds)) + (audio ? `#audio=${encodeURIComponent(audio.url)}` : '') : undefined;
  return { ...(page ? { page } : {}), ...(audio ? { audio } : {}), expiresAt: new Date(now(deps).getTime() + seconds * 1000) };
}

/**
 * Attaches the zip when its encoded size fits `limit` (with the audio added when that still fits); otherwise signs a
 * link to it.
 */
async function prepareDelivery(message: CompletionMessage, zip: { key: string; size: number } | undefined, run: RunPage, deps: MailerDeps, limit: number): Promise<PreparedDelivery> {
  const location = message.status === 'succeeded' ? deps.output.uriOf(`${runFolder(normaliseSessionName(message.session), message.runId)}/`) : undefined;
  if (!zip) return { kind: 'unavailable', location };
  const filename = zip.key.split('/').pop()!;
  if (encodedSize(zip.size) <= limit) {
    const content = await deps.output.read(zip.key);
    // Worth building only when the two alone fit; the zip built is then measured.
    if (run.audio && encodedSize(zip.size + run.audio.size) <= limit) {
      const withAudio = await zipWithAudio(content, await deps.output.read(run.audio.key));
      if (withAudio && encodedSize(withAudio.length) <= limit) {
        return { kind: 'attached', filename, bytes: withAudio.length, withAudio: true, attachment: { filename, content: withAudio } };
      }
    }
    return { kind: 'attached', filename, bytes: zip.size, attachment: { filename, content } };
  }
  if (!deps.output.signedUrl) return { kind: 'unavailable', location: deps.output.uriOf(zip.key) };
  const seconds = deps.config.signedUrlSeconds;
  const url = await deps.output.signedUrl(zip.key, seconds);
  return { kind: 'link', filename, url, expiresAt: new Date(now(deps).getTime() + seconds * 1000) };
}

function now(deps: MailerDeps): Date {
  return deps.now?.() ?? new Date();
}

function ignored(log: Logger, reason: string, level: 'info' | 'warn' | 'error' = 'info'): MailOutcome {
  log[level](`Ignored: ${reason}`);
  return { action: 'ignored', reason };
}
