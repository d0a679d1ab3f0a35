import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { parseSessionContext } from '../lib/contracts/context.js';
import { parseManifest } from '../lib/contracts/manifest.js';
import { DEFAULT_CONTEXT_PATH, isAudioName, readyKey, sessionFolder, sessionNameProblem, sessionPathProblem } from '../lib/contracts/session.js';
import { ConfigError, errorMessage, InputError } from '../lib/errors.js';
import type { Store } from '../lib/storage/index.js';
import type { Progress } from '../job/progress.js';

/**
 * `jdr-transcriber upload <dir> --session S [--context FILE] [--to EMAIL] [--recap]`: puts a session's recordings (the audio
 * files at the top of `dir`) and its context (with the voice samples it names) into `sessions/S/` of the input
 * bucket, then writes `_READY` last, listing every file with its size, so that the trigger starts only on a complete
 * upload and refuses a truncated one.
 */
export interface UploadOptions {
  session: string;
  /** A context.yaml; default `<dir>/context/context.yaml` when it exists. */
  context?: string;
  to?: string[];
  /** Ask for the session recap (`recap: true` in _READY), whatever the deployment's default. */
  recap?: boolean;
}

export interface UploadResult {
  /** Where the session now lives, e.g. gs://bucket/sessions/S/. */
  uri: string;
  files: Array<{ name: string; size: number }>;
  context: string | undefined;
  /** Local files left out (not audio by their extension). */
  skipped: string[];
  /** Audio already in the bucket folder that this upload did not bring: it will be transcribed too. */
  alreadyThere: string[];
  warnings: string[];
}

interface Planned {
  local: string;
  key: string;
  size: number;
  listed: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  m4a: 'audio/mp4', mp4: 'audio/mp4', mp3: 'audio/mpeg', wav: 'audio/wav', ogg: 'audio/ogg', oga: 'audio/ogg', opus: 'audio/ogg',
  flac: 'audio/flac', aac: 'audio/aac', webm: 'audio/webm', yaml: 'application/yaml', yml: 'application/yaml',
};

export async function uploadSession(dir: string, options: UploadOptions, store: Store, progress: Progress): Promise<UploadResult> {
  const problems: string[] = [];
  const nameProblem = sessionNameProblem(options.session);
  if (nameProblem) problems.push(`--session: ${nameProblem}`);
  for (const address of options.to ?? []) if (!z.email().safeParse(address).success) problems.push(`--to: "${address}" is not an email address`);
  if (problems.length > 0) throw new ConfigError(problems, 'Usage error');

  const folder = sessionFolder(options.session);
  const { audio, skipped } = await recordings(dir);
  const warnings: string[] = [];
  const plan: Planned[] = audio.map((a) => ({ ...a, key: a.name, listed: true }));
  const contextFile = options.context ?? (await exists(join(dir, DEFAULT_CONTEXT_PATH)) ? join(dir, DEFAULT_CONTEXT_PATH) : undefined);
  if (contextFile) plan.push(...(await contextFiles(contextFile, warnings)));

  const total = plan.reduce((sum, p) => sum + p.size, 0);
  progress.stage('upload', 'Upload');
  let done = 0;
  try {
    for (const item of plan) {
      const ext = item.key.toLowerCase().split('.').pop() ?? '';
      await store.upload(item.local, `${folder}/${item.key}`, {
        ...(CONTENT_TYPES[ext] ? { contentType: CONTENT_TYPES[ext] } : {}),
        onProgress: (bytes) => progress.update(total > 0 ? (done + bytes) / total : 1, item.key),
      });
      done += item.size;
      progress.update(total > 0 ? done / total : 1, item.key);
    }
  } finally {
    progress.stop();
  }

  const files = plan.filter((p) => p.listed).map((p) => ({ name: p.key, size: p.size }));
  const manifest = {
    ...(options.to?.length ? { recipients: options.to } : {}),
    ...(contextFile ? { context: DEFAULT_CONTEXT_PATH } : {}),
    ...(options.recap ? { recap: true } : {}),
    files,
  };
  const text = JSON.stringify(manifest, null, 2) + '\n';
  parseManifest(text, '_READY'); // the contract the trigger applies, checked before it matters
  const uploaded = new Set(plan.map((p) => p.key));
  const alreadyThere = (await store.list(folder))
    .map((o) => o.key.slice(folder.length + 1))
    .filter((k) => !k.includes('/') && isAudioName(k) && !uploaded.has(k));
  await store.write(readyKey(options.session), text, { contentType: 'application/json' });
  return { uri: store.uriOf(`${folder}/`).replace(/\/?$/, '/'), files, context: contextFile, skipped, alreadyThere, warnings };
}

/** Audio files at the top of `dir` (by extension: the job probes contents, this only picks what to send). */
async function recordings(dir: string): Promise<{ audio: Array<{ name: string; local: string; size: number }>; skipped: string[] }> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new InputError(`Cannot read the session folder ${dir}: ${errorMessage(err)}`, dir, { cause: err });
  }
  const files = entries.filter((e) => e.isFile() && !e.name.startsWith('.') && !e.name.startsWith('_'));
  const audio = [];
  for (const e of files.filter((f) => isAudioName(f.name)).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))) {
    const local = join(dir, e.name);
    audio.push({ name: e.name, local, size: (await stat(local)).size });
  }
  if (audio.length === 0) {
    throw new InputError(`No recording in ${dir}: put the session's .m4a, .mp3, .wav, .ogg or .flac files at the top of the folder`, dir);
  }
  return { audio, skipped: files.filter((f) => !isAudioName(f.name)).map((f) => f.name) };
}

/** The context file and the voice samples it names (relative to its folder), refusing a context the trigger would refuse. */
async function contextFiles(file: string, warnings: string[]): Promise<Planned[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`Cannot read the context file ${file}: ${errorMessage(err)}`, file, { cause: err });
  }
  const { context, warnings: unknown } = parseSessionContext(text, file);
  warnings.push(...unknown);
  const planned: Planned[] = [{ local: resolve(file), key: DEFAULT_CONTEXT_PATH, size: Buffer.byteLength(text), listed: false }];
  const base = dirname(resolve(file));
  for (const sample of context.speakers.flatMap((s) => s.voice_samples)) {
    const unsafe = sessionPathProblem(sample);
    if (unsafe) {
      warnings.push(`${basename(file)}: voice sample ${unsafe}; not uploaded`);
      continue;
    }
    const local = join(base, sample);
    const info = await stat(local).catch(() => undefined);
    if (!info?.isFile()) {
      warnings.push(`${basename(file)}: voice sample ${sample} not found next to it; not uploaded`);
      continue;
    }
    planned.push({ local, key: `${dirname(DEFAULT_CONTEXT_PATH)}/${sample}`, size: info.size, listed: false });
  }
  return planned;
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
