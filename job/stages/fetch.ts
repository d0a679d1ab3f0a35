import { join } from 'node:path';
import { errorMessage, InputError, throwIfAborted } from '../../lib/errors.js';
import type { Store } from '../../lib/storage/index.js';
import { probeAudio, type FfmpegTools, type ProbeResult } from '../engines/ffmpeg.js';
import type { SkippedFile } from '../transcript.js';

/**
 * Lists a session's input, downloads each candidate and keeps the ones ffprobe recognises as audio (by content, not
 * by extension: recorders name files oddly). Everything else is reported as skipped, with the reason.
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

export async function fetchSession(
  input: Store,
  workDir: string,
  tools: FfmpegTools,
  options: { signal?: AbortSignal; onFile?: (index: number, total: number, name: string) => void } = {},
): Promise<{ files: FetchedFile[]; skipped: SkippedFile[] }> {
  const objects = (await input.list()).filter((o) => !isControlKey(o.key)).sort((a, b) => byName(a.key, b.key));
  const files: FetchedFile[] = [];
  const skipped: SkippedFile[] = [];
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
      files.push({ name: object.key, localPath, probe: await probeAudio(tools, localPath, object.key) });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      skipped.push({ name: object.key, reason: errorMessage(err).replace(`${object.key}: `, '') });
    }
  }
  return { files, skipped };
}
