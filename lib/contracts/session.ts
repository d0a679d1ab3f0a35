import { ConfigError } from '../errors.js';

/**
 * Where a session lives in the buckets, and which names are acceptable. The trigger, the job, the mailer and the
 * upload command all address objects through these, so that a session name or a manifest path can never reach
 * outside `sessions/<S>/`.
 *
 *   input bucket   sessions/<S>/<recordings>, sessions/<S>/context/…, sessions/<S>/_READY
 *   output bucket  sessions/<S>/runs/<generation>.json    (the trigger's claim on one _READY generation)
 *                  sessions/<S>/<run id>/…                  (the job's outputs and status.json)
 *                  sessions/<S>/<run id>/emailed            (the mailer's claim)
 */
export const SESSIONS_FOLDER = 'sessions';
export const READY_NAME = '_READY';
export const DEFAULT_CONTEXT_PATH = 'context/context.yaml';

/** What recorders and phones produce; the job itself probes by content, this is for early checks. */
export const AUDIO_EXTENSIONS = ['m4a', 'mp3', 'wav', 'ogg', 'oga', 'opus', 'flac', 'aac', 'webm', 'mp4', 'mka', 'wma', 'aiff', 'aif'] as const;

/** Letters (with their combining marks), digits, ".", "_", "-" and inner spaces; 1 to 100 characters. */
const SESSION_NAME = /^[\p{L}\p{M}\p{N}._-](?:[\p{L}\p{M}\p{N}._ -]{0,98}[\p{L}\p{M}\p{N}._-])?$/u;

/**
 * The form every component names a session by. macOS tools write names decomposed ("e" + U+0301 for "é"), Windows
 * and Linux composed; both are the same session. Storage keys of the *input* folder keep whatever bytes the
 * uploader wrote; everything derived from the name (output folder, run claims, emails) uses this form.
 */
export function normaliseSessionName(name: string): string {
  return name.normalize('NFC');
}

/** Undefined when `name` (normalised) is an acceptable session name; otherwise what is wrong with it. */
export function sessionNameProblem(name: string): string | undefined {
  const nfc = normaliseSessionName(name);
  if (nfc === '.' || nfc === '..' || !SESSION_NAME.test(nfc)) {
    return `"${displayName(name)}" is not a usable session name: use 1 to 100 letters, digits, spaces, ".", "_" or "-", not starting or ending with a space (for example 2024-05-12 or "Séance 12")`;
  }
  return undefined;
}

/**
 * The session's name from its input location, the last folder of it (`gs://b/sessions/Séance 12/` → "Séance 12"),
 * normalised. Throws ConfigError when that folder cannot be a session name.
 */
export function sessionName(input: string): string {
  const name = normaliseSessionName(input.replace(/\/+$/, '').split('/').pop() ?? '');
  if (sessionNameProblem(name)) {
    throw new ConfigError([`cannot take a session name from "${input}": end it with a folder name such as sessions/2024-05-12 (${sessionNameProblem(name)})`], 'Usage error');
  }
  return name;
}

/** A name as it may be shown in a message or an email subject: no control characters, at most 100 characters. */
export function displayName(name: string): string {
  const clean = normaliseSessionName(name).replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ');
  return clean.length > 100 ? `${clean.slice(0, 99)}…` : clean;
}

/**
 * Undefined when `path` is a safe path relative to a session folder (what a manifest may name); otherwise why not.
 * Refused: absolute paths, `..` and `.` segments, backslashes, empty segments, control characters.
 */
export function sessionPathProblem(path: string): string | undefined {
  if (path.startsWith('/') || path.includes('\\') || /[\u0000-\u001f]/.test(path)) {
    return `"${path}" must be a plain path inside the session folder (no leading "/", no "\\")`;
  }
  const segments = path.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s === '')) {
    return `"${path}" must stay inside the session folder: no ".." or "." segments and no "//"`;
  }
  return undefined;
}

export function isAudioName(name: string): boolean {
  const ext = name.toLowerCase().split('.').pop() ?? '';
  return name.includes('.') && (AUDIO_EXTENSIONS as readonly string[]).includes(ext);
}

/** `sessions/<S>` (no trailing slash). The name must have passed sessionNameProblem. */
export function sessionFolder(session: string): string {
  return `${SESSIONS_FOLDER}/${session}`;
}

export function readyKey(session: string): string {
  return `${sessionFolder(session)}/${READY_NAME}`;
}

export function runClaimKey(session: string, generation: string): string {
  return `${sessionFolder(session)}/runs/${generation}.json`;
}

export function emailedKey(session: string, runId: string): string {
  return `${sessionFolder(session)}/${runId}/emailed`;
}

/** `sessions/<S>/_READY` → S; anything else → undefined. S is not validated here. */
export function sessionOfReadyKey(key: string): string | undefined {
  const match = /^sessions\/([^/]+)\/_READY$/.exec(key);
  return match?.[1];
}

/**
 * A run id for one `_READY` generation: the same event always gives the same id (so a redelivered event or a
 * refused session is recognised downstream), and ids sort by time. GCS generations are microseconds since the epoch.
 */
export function runIdForGeneration(generation: string): string {
  const micros = Number(generation);
  const ms = Math.floor(micros / 1000);
  if (/^\d{13,19}$/.test(generation) && ms > Date.UTC(2000, 0, 1) && ms < Date.UTC(2200, 0, 1)) {
    const stamp = new Date(ms).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    return `${stamp}-${generation.slice(-6)}`;
  }
  return `g${generation.replace(/[^A-Za-z0-9]/g, '').slice(0, 40)}`;
}
