import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { errorMessage, InputError, throwIfAborted } from '../../lib/errors.js';
import type { SkippedFile } from '../transcript.js';

/**
 * Unzips a zip of recordings (Craig's `craig-<id>.flac.zip`) into a folder, entry by entry, streamed to disk.
 * yauzl reads the central directory and inflates one entry at a time; entry names are validated here rather than by
 * yauzl, because yauzl stops the whole archive at the first bad name and one bad entry must not cost the others.
 *
 * Bounded: the entries' total size (declared, then counted as it is written, so a lying header is caught) is at
 * most `ratio` × the zip's size and `maxBytes` in all; at most `maxEntries` entries. An entry with `..`, an absolute
 * path or a drive letter is skipped with a message naming it; so are encrypted entries and ones that fail to inflate.
 */
export interface UnzipLimits {
  maxBytes: number;
  ratio: number;
  maxEntries: number;
}

export const UNZIP_LIMITS: UnzipLimits = { maxBytes: 10 * 1024 ** 3, ratio: 20, maxEntries: 2000 };

export interface UnzippedFile {
  /** `<zip>/<entry path>`, for messages and labels. */
  name: string;
  localPath: string;
  size: number;
}

export async function unzipRecordings(
  zipPath: string,
  displayName: string,
  destDir: string,
  options: { signal?: AbortSignal; limits?: UnzipLimits } = {},
): Promise<{ files: UnzippedFile[]; skipped: SkippedFile[] }> {
  const limits = options.limits ?? UNZIP_LIMITS;
  const zipSize = (await stat(zipPath)).size;
  const bound = Math.min(limits.maxBytes, limits.ratio * zipSize);
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true });
  } catch (err) {
    throw new InputError(`${displayName}: not a readable zip (${errorMessage(err)}); download it again from where it came from`, displayName);
  }
  const files: UnzippedFile[] = [];
  const skipped: SkippedFile[] = [];
  try {
    const entries: Array<{ entry: yauzl.Entry; name: string }> = [];
    let declared = 0;
    let count = 0;
    for await (const entry of zip.eachEntry()) {
      if (++count > limits.maxEntries) {
        skipped.push({ name: displayName, reason: `holds more than ${limits.maxEntries} files; only the first ${limits.maxEntries} were read` });
        break;
      }
      const name = entryName(entry);
      const problem = nameProblem(name);
      if (problem && !name.endsWith('/')) {
        skipped.push({ name: `${displayName}/${name}`, reason: problem });
        continue;
      }
      if (problem || name.endsWith('/') || isClutter(name)) continue;
      if (entry.isEncrypted()) {
        skipped.push({ name: `${displayName}/${name}`, reason: 'is encrypted; zip it again without a password' });
        continue;
      }
      declared += entry.uncompressedSize;
      entries.push({ entry, name });
    }
    if (declared > bound) {
      throw new InputError(
        `${displayName}: its files would take ${gigabytes(declared)} unzipped, more than ${bound === limits.maxBytes ? `the ${gigabytes(bound)} a session may hold` : `${limits.ratio} times the zip's size`}; unzip it yourself and upload the recordings instead`,
        displayName,
      );
    }
    await mkdir(destDir, { recursive: true });
    let written = 0;
    for (const [i, { entry, name }] of entries.entries()) {
      throwIfAborted(options.signal);
      const localPath = join(destDir, `${String(i).padStart(4, '0')}-${(name.split('/').pop() ?? 'entry').replace(/[^\w.-]+/g, '_')}`);
      let size = 0;
      try {
        const stream = await zip.openReadStreamPromise(entry);
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            size += chunk.length;
            if (written + size > bound) done(new InputError(`${displayName}: unzips to more than its entries declare (${gigabytes(bound)} at most); unzip it yourself and upload the recordings instead`, displayName));
            else done(null, chunk);
          },
        });
        await pipeline(stream, counter, createWriteStream(localPath), { signal: options.signal });
      } catch (err) {
        await rm(localPath, { force: true });
        throwIfAborted(options.signal);
        if (err instanceof InputError) throw err;
        skipped.push({ name: `${displayName}/${name}`, reason: `cannot be unzipped (${errorMessage(err)})` });
        continue;
      }
      written += size;
      files.push({ name: `${displayName}/${name}`, localPath, size });
    }
  } finally {
    zip.close();
  }
  return { files, skipped };
}

/** The entry's name as its flags say (UTF-8, or CP437 with Info-ZIP's Unicode path field), `\` read as `/`. */
function entryName(entry: yauzl.Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, false).replace(/\\/g, '/');
}

function nameProblem(name: string): string | undefined {
  if (/^[a-zA-Z]:/.test(name) || name.startsWith('/')) return 'has an absolute path inside the zip; it was not unzipped';
  if (name.split('/').includes('..')) return 'points outside the zip (".." in its path); it was not unzipped';
  if (name.includes('\0')) return 'has an invalid name; it was not unzipped';
  return undefined;
}

/** What archivers add beside the files: macOS resource forks, hidden files. */
function isClutter(name: string): boolean {
  return name.startsWith('__MACOSX/') || name.split('/').some((part) => part.startsWith('.') && part !== '.' && part !== '..');
}

function gigabytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  return bytes >= 1024 ** 2 ? `${Math.round(bytes / 1024 ** 2)} MB` : `${Math.round(bytes / 1024)} KB`;
}
