import { open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, InputError, throwIfAborted } from '../../lib/errors.js';
import { isZipName } from '../../lib/contracts/session.js';
import type { Store } from '../../lib/storage/index.js';
import { probeAudio, type FfmpegTools, type ProbeResult } from '../engines/ffmpeg.js';
import type { SkippedFile } from '../transcript.js';
import { unzipRecordings, type UnzipLimits } from './unzip.js';

/**
 * Lists a session's input, downloads each candidate and keeps the ones ffprobe recognises as audio (by content, not
 * by extension: recorders name files oddly). A zip (Craig's) is unzipped and its entries judged the same way; an
 * `info.txt` (Craig's, beside the tracks or in the zip) is kept as text for the tracks' names and notes. Everything
 * else is reported as skipped, with the reason.
 */
export interface FetchedFile {
  /** Key relative to the session's input store. */
  name: string;
  localPath: string;
  probe: ProbeResult;
}

/** Keys that belong to the session's control data, never audio. */
export function isControlKey(key: string): boolean {
  const first = key.split('/')[0] ?? '';
  const base = key.split('/').pop() ?? '';
  return key === '_READY' || first === 'context' || first === 'runs' || base.startsWith('.') || base.startsWith('_');
}

/** Parts of one recording are laid end to end in name order; "part2" comes before "part10". */
export function byName(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' });
}

/** A text file the recorder left beside the tracks (Craig's info.txt), read whole: it is small. */
export interface InfoFile {
  name: string;
  text: string;
}

/** Craig's info.txt is a few kilobytes; a bigger file of that name is not Craig's. */
const MAX_INFO_BYTES = 1024 * 1024;

export function isInfoFile(name: string): boolean {
  return /^info\.txt$/i.test(name.split('/').pop() ?? '');
}

export async function fetchSession(
  input: Store,
  workDir: string,
  tools: FfmpegTools,
  options: { signal?: AbortSignal; onFile?: (index: number, total: number, name: string) => void; unzipLimits?: UnzipLimits } = {},
): Promise<{ files: FetchedFile[]; skipped: SkippedFile[]; infos: InfoFile[]; zips: string[] }> {
  const objects = (await input.list()).filter((o) => !isControlKey(o.key)).sort((a, b) => byName(a.key, b.key));
  const files: FetchedFile[] = [];
  const skipped: SkippedFile[] = [];
  const infos: InfoFile[] = [];
  const zips: string[] = [];
  /** Judges one file: Craig's info.txt is read, anything else probed. */
  const take = async (name: string, localPath: string) => {
    try {
      if (isInfoFile(name)) {
        const size = (await stat(localPath)).size;
        if (size <= MAX_INFO_BYTES) return infos.push({ name, text: await readFile(localPath, 'utf8') });
      }
      files.push({ name, localPath, probe: await probeAudio(tools, localPath, name) });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      skipped.push({ name, reason: errorMessage(err).replace(`${name}: `, '') });
    }
  };
  for (const [i, object] of objects.entries()) {
    throwIfAborted(options.signal);
    options.onFile?.(i, objects.length, object.key);
    if (object.size === 0) {
      skipped.push({ name: object.key, reason: 'the file is empty (0 bytes)' });
      continue;
    }
    const localPath = join(workDir, 'input', String(i).padStart(4, '0') + '-' + object.key.replace(/[^\w.-]+/g, '_'));
    try {
      await input.download(object.key, localPath);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      skipped.push({ name: object.key, reason: errorMessage(err).replace(`${object.key}: `, '') });
      continue;
    }
    if (isZipName(object.key) || (await startsLikeZip(localPath))) {
      try {
        const unzipped = await unzipRecordings(localPath, object.key, `${localPath}.d`, { signal: options.signal, limits: options.unzipLimits });
        zips.push(object.key);
        skipped.push(...unzipped.skipped);
        for (const entry of unzipped.files) await take(entry.name, entry.localPath);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        skipped.push({ name: object.key, reason: errorMessage(err).replace(`${object.key}: `, '') });
      } finally {
        // The recordings are out of it: the zip's disk goes back (in Cloud Run the disk is the memory).
        await rm(localPath, { force: true });
      }
      continue;
    }
    await take(object.key, localPath);
  }
  return { files, skipped, infos, zips };
}

/** The local file header's signature, for a zip whose name does not say so. */
async function startsLikeZip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    return head.equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  } finally {
    await handle.close();
  }
}
