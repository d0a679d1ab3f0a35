import { createReadStream, createWriteStream } from 'node:fs';
import { access, rm, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import JSZip from 'jszip';
import { safeFileName } from '../../lib/contracts/session.js';
import { errorMessage } from '../../lib/errors.js';

/**
 * The archive stage: the session's zip, every output in one folder named after the session (so unzipping never
 * litters the recipient's Downloads folder). Streamed to disk: the mailer may attach it, and a transcript.json for
 * a long session is tens of megabytes.
 */
export interface ZipEntry {
  name: string;
  content: string | Buffer;
}

export interface ZipOptions {
  /** Folder inside the zip; usually the session name. Made safe for every file system. */
  folder: string;
}

/** Builds the zip from in-memory files or local paths; returns its size in bytes. */
export async function buildZip(files: readonly (ZipEntry | string)[], outPath: string, options: ZipOptions): Promise<number> {
  const folder = safeFileName(options.folder);
  const names = new Set<string>();
  for (const file of files) {
    const name = typeof file === 'string' ? basename(file) : file.name;
    if (!name || name.includes('/') || name.includes('\\')) throw new Error(`Cannot archive "${name}": expected a plain file name`);
    if (names.has(name)) throw new Error(`Cannot archive two files named "${name}"`);
    names.add(name);
    if (typeof file === 'string') await access(file).catch((err: unknown) => Promise.reject(new Error(`Cannot archive ${file}: ${errorMessage(err)}`)));
  }

  // From here to generateNodeStream nothing awaits, so a source's read error always finds `output` to fail.
  // JSZip itself drops an error raised while its input is paused and would wait forever.
  const zip = new JSZip();
  const sources: Readable[] = [];
  let output: NodeJS.ReadableStream & { destroy?: (err?: Error) => void } | undefined;
  let sourceError: Error | undefined;
  for (const file of files) {
    if (typeof file === 'string') {
      const source = createReadStream(file);
      source.once('error', (err) => {
        sourceError ??= new Error(`Cannot archive ${file}: ${err.message}`);
        output?.destroy?.(sourceError);
      });
      sources.push(source);
      // Node streams are read by JSZip as it writes, so big outputs are never held whole in memory.
      zip.file(`${folder}/${basename(file)}`, source);
    } else {
      zip.file(`${folder}/${file.name}`, file.content);
    }
  }
  output = zip.generateNodeStream({ type: 'nodebuffer', streamFiles: true, compression: 'DEFLATE', compressionOptions: { level: 6 } });
  try {
    await pipeline(output, createWriteStream(outPath));
    if (sourceError) throw sourceError;
  } catch (err) {
    for (const source of sources) source.destroy();
    await rm(outPath, { force: true });
    throw sourceError ?? err;
  }
  return (await stat(outPath)).size;
}

