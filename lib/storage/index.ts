import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Storage } from '@google-cloud/storage';
import { FileStore } from './file.js';
import { GcsStore } from './gcs.js';
import { ConfigError, errorMessage } from '../errors.js';
import type { Store } from './types.js';

export * from './types.js';
export { FileStore } from './file.js';
export { GcsStore } from './gcs.js';

export interface StoreClients {
  /** Needed for gs:// URIs; built by the entry point (it honours STORAGE_EMULATOR_HOST). */
  gcs?: Storage;
}

/** Opens `gs://bucket/prefix`, `file:///dir` or a plain local path as a Store rooted there. */
export function openStore(uri: string, clients: StoreClients = {}): Store {
  if (uri.startsWith('gs://')) {
    const rest = uri.slice('gs://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = slash === -1 ? '' : rest.slice(slash + 1);
    if (!bucket) throw new Error(`"${uri}" names no bucket; expected gs://BUCKET/PREFIX`);
    if (!clients.gcs) throw new Error(`Opening ${uri} needs a Cloud Storage client`);
    return new GcsStore(clients.gcs, bucket, prefix);
  }
  if (uri.startsWith('file://')) return new FileStore(fileURLToPath(uri));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) throw new Error(`Unsupported location "${uri}": use gs://… or a local path`);
  return new FileStore(uri);
}

export function isGcsUri(uri: string): boolean {
  return uri.startsWith('gs://');
}

/**
 * Proves that `store` takes a write (and a delete) before hours of work go into results nobody can save: writes a
 * small probe object and removes it. Throws ConfigError naming the location and the real cause.
 */
export async function checkWritable(store: Store, what = 'The output location'): Promise<void> {
  const key = `.write-check-${randomUUID()}`;
  try {
    await store.write(key, 'ok\n', { contentType: 'text/plain' });
  } catch (err) {
    throw new ConfigError([`${what} ${store.uri} cannot be written to: ${writeFailure(err)}`], 'Cannot write the outputs');
  }
  await store.delete(key).catch(() => undefined);
}

/** What a failed write means, in the user's terms. */
function writeFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const path = (err as NodeJS.ErrnoException | undefined)?.path;
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return `${path ? `${path}: ` : ''}part of the path is a file, not a folder; choose another --out folder`;
    case 'EROFS':
      return 'the file system is read-only; choose a folder on a writable disk';
    case 'EACCES':
    case 'EPERM':
      return `permission denied${path ? ` on ${path}` : ''}; choose a folder you can write to`;
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full; free some space or choose another disk';
    default:
      return errorMessage(err);
  }
}
