import { fileURLToPath } from 'node:url';
import type { Storage } from '@google-cloud/storage';
import { FileStore } from './file.js';
import { GcsStore } from './gcs.js';
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
