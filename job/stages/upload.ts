import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { throwIfAborted } from '../../lib/errors.js';
import type { Store } from '../../lib/storage/types.js';
import { contentTypeFor } from '../writers/index.js';

/**
 * The upload stage: the rendered outputs and the zip to the output location (a bucket folder or a local one), each
 * under its own name with the content type of its extension. A stage of its own so that a failure here is reported
 * as what it is (the results exist, saving them failed), not as a formatting problem.
 */
export interface UploadedFile {
  name: string;
  uri: string;
  size: number;
  contentType: string;
}

/**
 * Uploads every file of `source` (a folder's plain files, or a list of paths) to the store's root under its own
 * name, with the content type of its extension. Returns what was uploaded, in name order.
 */
export async function uploadOutputs(store: Store, source: string | readonly string[], options: { signal?: AbortSignal } = {}): Promise<UploadedFile[]> {
  const paths = typeof source === 'string' ? await filesIn(source) : [...source];
  const uploaded: UploadedFile[] = [];
  for (const path of [...paths].sort((a, b) => (basename(a) < basename(b) ? -1 : basename(a) > basename(b) ? 1 : 0))) {
    throwIfAborted(options.signal);
    const name = basename(path);
    const contentType = contentTypeFor(name);
    const info = await store.upload(path, name, { contentType });
    uploaded.push({ name, uri: store.uriOf(name), size: info.size, contentType });
  }
  return uploaded;
}

async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => join(dir, e.name));
}
