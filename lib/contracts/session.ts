import { createHash } from 'node:crypto';
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

/** Containers and codecs that recorders, phones, video apps and Discord bots produce; ffprobe reads all of them. */
export const AUDIO_EXTENSIONS = [
  'm4a', 'mp3', 'wav', 'ogg', 'oga', 'opus', 'flac', 'aac', 'webm', 'mp4', 'mka', 'wma', 'aiff', 'aif', 'aifc',
  '3gp', '3g2', 'amr', 'awb', 'caf', 'mov', 'mkv', 'm4b', 'm4v', 'avi', 'wv', 'ape', 'ac3', 'mp2', 'spx', 'au', 'ts', 'mts', 'w64', 'rf64',
] as const;

/** What is certainly not a recording: documents, pictures, archives, our own files. */
const NOT_AUDIO_EXTENSIONS = new Set([
  'txt', 'md', 'pdf', 'doc', 'docx', 'odt', 'rtf', 'csv', 'xls', 'xlsx', 'ods', 'json', 'yaml', 'yml', 'xml', 'html', 'htm',
  'jpg', 'jpeg', 'png', 'gif', 'webp', 'heic', 'bmp', 'svg', 'tif', 'tiff', 'zip', 'rar', '7z', 'tar', 'gz',
  'srt', 'vtt', 'rttm', 'log', 'ini', 'exe', 'dmg', 'lnk', 'url', 'ds_store', 'tmp', 'part', 'crdownload',
]);
const NOT_AUDIO_TYPES = /^(text|image|font)\/|^application\/(pdf|json|zip|x-yaml|yaml|xml|msword|vnd\.)/i;

/** A zip of recordings (Craig gives one): the job unzips it and judges its entries as it judges files. */
export function isZipName(name: string, contentType?: string): boolean {
  return extensionOf(name) === 'zip' || (contentType !== undefined && /^application\/(x-)?zip(-compressed)?$/i.test(contentType));
}

/** What the trigger counts as the session's recordings: anything that may be audio, and zips of them. */
export function mightHoldRecordings(name: string, contentType?: string): boolean {
  return mightBeAudio(name, contentType) || ((name.split('/').pop() ?? '').startsWith('.') ? false : isZipName(name, contentType));
}

export function isAudioName(name: string): boolean {
  const ext = extensionOf(name);
  return ext !== undefined && (AUDIO_EXTENSIONS as readonly string[]).includes(ext);
}

/**
 * Whether an object may be a recording, judged by what the trigger sees without reading it: an audio or video
 * content type or a known container extension says yes; a document, picture or archive says no; anything else
 * (no extension, an odd one, application/octet-stream) cannot be ruled out and is left to ffprobe in the job.
 */
export function mightBeAudio(name: string, contentType?: string): boolean {
  if ((name.split('/').pop() ?? '').startsWith('.')) return false; // .DS_Store, ._part (macOS), editors' temp files
  if (contentType && /^(audio|video)\//i.test(contentType)) return true;
  const ext = extensionOf(name);
  if (ext !== undefined && (AUDIO_EXTENSIONS as readonly string[]).includes(ext)) return true;
  if (ext !== undefined && NOT_AUDIO_EXTENSIONS.has(ext)) return false;
  if (contentType && NOT_AUDIO_TYPES.test(contentType)) return false;
  return true;
}

function extensionOf(name: string): string | undefined {
  const base = name.split('/').pop() ?? name;
  const dot = base.lastIndexOf('.');
  return dot > 0 && dot < base.length - 1 ? base.slice(dot + 1).toLowerCase() : undefined;
}

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

/**
 * The zip of a run's outputs, `sessions/<S>/<run>/<zip>`, named after the session and safe for every file system
 * (no separators, control or reserved characters): the job writes it there and the mailer attaches nothing else.
 */
export function zipFileName(session: string): string {
  return `${safeFileName(session)}.zip`;
}

/**
 * The voice clip of a speaker left without a name, beside the transcript and in the zip (job/stages/voices.ts cuts
 * it; the mailer lists it): `voice-SPK4.opus`.
 */
export function clipFileName(cluster: string): string {
  return `voice-${cluster}.opus`;
}

/** The cluster a voice clip's file name is for, or undefined for any other name. */
export function clipCluster(name: string): string | undefined {
  return /^voice-(SPK\d+)\.opus$/.exec(name)?.[1];
}

/** A name safe as a zip folder and as an object key: no path separators, control or reserved characters. */
export function safeFileName(name: string): string {
  const cleaned = normaliseSessionName(name)
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]+/g, '_')
    .replace(/^\.+/, '');
  return cleaned || 'session';
}

export function runFolder(session: string, runId: string): string {
  return `${sessionFolder(normaliseSessionName(session))}/${runId}`;
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

/**
 * The mailer's claim on a run's email, which also records how sending went (`make status` shows it). A refusal
 * names a session the trigger could not accept; its claim lives under `refused/` by a digest of the name, so
 * every message the trigger publishes has somewhere to be claimed.
 */
export function emailedKey(session: string, runId: string): string {
  const folder = sessionNameProblem(session) ? `refused/${createHash('sha256').update(session).digest('hex').slice(0, 32)}` : sessionFolder(normaliseSessionName(session));
  return `${folder}/${runId}/emailed.json`;
}

/** Run ids are folder names: letters, digits, ".", "_", "-", at most 100, never "." or "..". */
export const RUN_ID_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;

export function isRunId(id: string): boolean {
  return RUN_ID_PATTERN.test(id);
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
