import { CONTEXT_LIMITS, parseSessionContext } from '../lib/contracts/context.js';
import { parseManifest, type Manifest } from '../lib/contracts/manifest.js';
import { DEFAULT_CONTEXT_PATH, mightHoldRecordings, sessionPathProblem } from '../lib/contracts/session.js';
import { errorMessage, InputError } from '../lib/errors.js';
import type { ObjectInfo } from '../lib/storage/index.js';
import { checkRecipients, type RecipientPolicy } from './recipients.js';

/**
 * Everything the trigger checks before it spends a job run on a session, as one pure function over what the bucket
 * holds. Every problem is collected, so that the group fixes them all in one go.
 */
export interface SessionCheckInput {
  /** The `_READY` bytes, read with a bound (the parser refuses what is over its limit). */
  manifestText: string | Buffer;
  /** Where the manifest lives, for messages (gs://…/_READY). */
  manifestUri: string;
  /** The session folder's objects, keys relative to it. */
  objects: readonly ObjectInfo[];
  /** Reads at most `maxBytes` of an object of the session folder (the context file). */
  readBytes(key: string, maxBytes: number): Promise<Buffer>;
  policy: RecipientPolicy;
}

export interface SessionPlan {
  manifest: Manifest;
  recipients: string[];
  /** Key of the context file inside the session folder, when there is one. */
  contextKey: string | undefined;
  audio: string[];
  warnings: string[];
}

export type SessionCheck = { ok: true; plan: SessionPlan } | { ok: false; problems: string[]; recipients: string[] };

/** Objects that are the session's control data rather than recordings (same rule as the job's fetch stage). */
export function isControlKey(key: string): boolean {
  const first = key.split('/')[0] ?? '';
  const base = key.split('/').pop() ?? '';
  return key === '_READY' || first === 'context' || first === 'runs' || base.startsWith('.') || base.startsWith('_');
}

export async function checkSession(input: SessionCheckInput): Promise<SessionCheck> {
  let parsed;
  try {
    parsed = parseManifest(input.manifestText, input.manifestUri);
  } catch (err) {
    return { ok: false, problems: [errorMessage(err)], recipients: [...input.policy.defaults] };
  }
  const { manifest } = parsed;
  const problems: string[] = [];
  const byKey = new Map(input.objects.map((o) => [o.key, o]));

  const who = checkRecipients(manifest.recipients, input.policy);
  for (const address of who.refused) {
    problems.push(`recipient ${address} is not on this deployment's allow-list: remove it from "recipients", or ask the administrator to allow it (ALLOWED_RECIPIENTS)`);
  }

  for (const file of manifest.files) {
    const unsafe = sessionPathProblem(file.name);
    if (unsafe) {
      problems.push(`files: ${unsafe}`);
      continue;
    }
    const found = byKey.get(file.name);
    if (!found) problems.push(`files: ${file.name} is listed but not in the session folder: upload it, then write _READY again`);
    else if (file.size !== undefined && found.size !== file.size) {
      problems.push(`files: ${file.name} has ${found.size} bytes, the manifest says ${file.size}: the upload is incomplete or the size is wrong; upload it again, then write _READY again`);
    } else if (file.md5 && found.md5 && normaliseMd5(file.md5) !== found.md5) {
      problems.push(`files: ${file.name} does not match its md5 in the manifest: upload it again, then write _READY again`);
    }
  }

  // The verdict on what is audio is ffprobe's, in the job; here only what is certainly not a recording is left out.
  const audio = input.objects.filter((o) => !isControlKey(o.key) && mightHoldRecordings(o.key, o.contentType)).map((o) => o.key);
  if (audio.length === 0) {
    const others = input.objects.filter((o) => !isControlKey(o.key)).map((o) => o.key);
    problems.push(
      `no recording in the session folder${others.length ? ` (found only ${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''})` : ''}: upload .m4a, .mp3, .wav, .ogg or .flac files (or the zip Craig gives), then write _READY again`,
    );
  }

  const warnings = [...parsed.warnings];
  const contextKey = await checkContext(manifest, byKey, input, problems, warnings);
  if (problems.length > 0) {
    const recipients = who.recipients.length > 0 ? who.recipients : [...input.policy.defaults];
    return { ok: false, problems, recipients };
  }
  return { ok: true, plan: { manifest, recipients: who.recipients, contextKey, audio, warnings } };
}

/**
 * The context named by the manifest must exist (like a listed file), and stay inside the session folder; the
 * default one is optional. A context that does not parse does not stop the session: the job transcribes without it
 * and the report and the email say what was wrong (what a group waiting for its transcript wants), so here it is a
 * warning. Read with a bound, like everything from the bucket.
 */
async function checkContext(manifest: Manifest, byKey: Map<string, ObjectInfo>, input: SessionCheckInput, problems: string[], warnings: string[]): Promise<string | undefined> {
  const named = manifest.context;
  if (named !== undefined) {
    const unsafe = sessionPathProblem(named);
    if (unsafe) {
      problems.push(`context: ${unsafe}`);
      return undefined;
    }
    if (!byKey.has(named)) {
      problems.push(`context: ${named} is named in _READY but not in the session folder: upload it (or remove "context"), then write _READY again`);
      return undefined;
    }
  }
  const key = named ?? (byKey.has(DEFAULT_CONTEXT_PATH) ? DEFAULT_CONTEXT_PATH : undefined);
  if (key === undefined) return undefined;
  try {
    warnings.push(...parseSessionContext(await input.readBytes(key, CONTEXT_LIMITS.bytes + 1), key).warnings);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    warnings.push(`${errorMessage(err)}\n  The session is transcribed without its context; the email will say so.`);
  }
  return key;
}

/** Manifests may give an md5 in hex (md5sum) or base64 (gsutil); GCS keeps base64. */
function normaliseMd5(md5: string): string {
  const v = md5.trim();
  return /^[0-9a-f]{32}$/i.test(v) ? Buffer.from(v, 'hex').toString('base64') : v;
}
