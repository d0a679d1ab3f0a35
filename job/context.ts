import { randomUUID } from 'node:crypto';
import { access, mkdir, rm } from 'node:fs/promises';
import { dirname, extname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMPTY_CONTEXT, parseSessionContext, type SessionContext } from '../lib/contracts/context.js';
import { errorMessage, InputError } from '../lib/errors.js';
import type { Store } from '../lib/storage/index.js';
import { decodeSample, type FfmpegTools } from './engines/ffmpeg.js';
import { SampleUnavailable, type ReadSample } from './diarize/voice-samples.js';

/**
 * The session's context as the job reads it: context.yaml, and the voice samples it names relative to its folder.
 * Both are storage and ffmpeg I/O; what they mean is decided in lib/contracts/context.ts and job/diarize/.
 */
export interface ContextLocation {
  store: Store;
  key: string;
  /** Whether the user named it explicitly (then its absence is worth a warning). */
  explicit: boolean;
}

/**
 * Loads context.yaml. A missing or broken context never fails a run that can go on without it: the transcript
 * loses names and spellings, and the report and the email say why.
 */
export async function loadContext(location: ContextLocation | undefined): Promise<{ context: SessionContext; warnings: string[] }> {
  if (!location) return { context: EMPTY_CONTEXT, warnings: [] };
  const uri = location.store.uriOf(location.key);
  const info = await location.store.stat(location.key);
  if (!info) {
    return {
      context: EMPTY_CONTEXT,
      warnings: location.explicit ? [`${uri} was not found: transcribed without speaker names or glossary`] : [],
    };
  }
  try {
    return parseSessionContext(await location.store.read(location.key, { maxBytes: MAX_CONTEXT_READ }), uri);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { context: EMPTY_CONTEXT, warnings: [`${errorMessage(err)}\nThe session was transcribed without its context.`] };
  }
}

/** Read at most this much of context.yaml; the parser refuses what is over its own limit with a clear message. */
const MAX_CONTEXT_READ = 1024 * 1024 + 1;

/**
 * Reads voice samples named in context.yaml, relative to the context file: straight from the disk when the context
 * is a local file (where `../voices/a.wav` and absolute paths are fine: the user owns that disk), otherwise
 * downloaded from its store into `workDir` first (a path leaving the context's folder is refused there: it could
 * name another group's session).
 */
export function voiceSampleReader(location: ContextLocation | undefined, workDir: string, tools: FfmpegTools, signal?: AbortSignal): ReadSample {
  return async (path) => {
    if (!location) throw new SampleUnavailable('missing', 'there is no context file to find it beside');
    const contextFolder = posix.dirname(location.key);
    if (location.store.uri.startsWith('file://')) {
      const folder = fileURLToPath(location.store.uri.replace(/\/?$/, '/'));
      const file = resolve(folder, contextFolder, path);
      try {
        await access(file);
      } catch (err) {
        throw new SampleUnavailable('missing', `${file}: ${errorMessage(err)}`);
      }
      return decode(tools, file, path, signal);
    }
    const key = posix.normalize(posix.join(contextFolder, path));
    if (posix.isAbsolute(path) || key === '..' || key.startsWith('../')) {
      throw new SampleUnavailable('outside', `${path} is outside the folder of context.yaml`);
    }
    if (!(await location.store.stat(key))) throw new SampleUnavailable('missing', `${location.store.uriOf(key)} was not found`);
    const local = join(workDir, 'voices', `${randomUUID()}${extname(key)}`);
    await mkdir(dirname(local), { recursive: true });
    await location.store.download(key, local);
    try {
      return await decode(tools, local, path, signal);
    } finally {
      await rm(local, { force: true });
    }
  };
}

async function decode(tools: FfmpegTools, file: string, name: string, signal: AbortSignal | undefined): Promise<Float32Array> {
  try {
    return await decodeSample(tools, file, { displayName: name, signal });
  } catch (err) {
    if (err instanceof InputError) throw new SampleUnavailable('unreadable', errorMessage(err));
    throw err;
  }
}
