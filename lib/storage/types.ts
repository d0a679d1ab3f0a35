import type { Readable } from 'node:stream';

/**
 * One interface over `gs://bucket/prefix/` and `file:///dir/`. A Store is rooted at a prefix; keys are relative to
 * it and use `/`. Stages receive a Store and never learn which kind it is.
 */
export interface ObjectInfo {
  /** Key relative to the store's root. */
  key: string;
  size: number;
  updated?: Date;
  /** GCS object generation (a decimal string); file stores use the mtime in ns. */
  generation?: string;
  contentType?: string;
  md5?: string;
  metadata?: Record<string, string>;
}

export interface WriteOptions {
  contentType?: string;
  /** Create only if nothing exists at the key (GCS `ifGenerationMatch=0`); otherwise throw PreconditionFailedError. */
  ifAbsent?: boolean;
  metadata?: Record<string, string>;
}

export interface ReadOptions {
  maxBytes?: number;
}

export interface Store {
  /** The root as a URI, ending with `/`. */
  readonly uri: string;
  uriOf(key: string): string;
  /** Every object under the root (recursively), optionally under a sub-prefix; keys relative to the root, sorted. */
  list(prefix?: string): Promise<ObjectInfo[]>;
  /** undefined when absent. */
  stat(key: string): Promise<ObjectInfo | undefined>;
  /** The object's bytes; with `maxBytes`, at most that many (the start of it): bounded reads of outside input. */
  read(key: string, options?: ReadOptions): Promise<Buffer>;
  createReadStream(key: string): Readable;
  download(key: string, localPath: string): Promise<void>;
  write(key: string, data: Buffer | string, options?: WriteOptions): Promise<ObjectInfo>;
  upload(localPath: string, key: string, options?: WriteOptions & { onProgress?: (bytes: number) => void }): Promise<ObjectInfo>;
  delete(key: string): Promise<void>;
  /** A store rooted at `root/prefix/`. */
  child(prefix: string): Store;
  /** A time-limited download link, where the backend has one (GCS V4 signed URL). */
  signedUrl?(key: string, expiresInSeconds: number): Promise<string>;
}

export class PreconditionFailedError extends Error {
  override readonly name = 'PreconditionFailedError';
  constructor(readonly uri: string) {
    super(`${uri} already exists`);
  }
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(readonly uri: string) {
    super(`${uri} does not exist`);
  }
}

/** Joins key parts with single slashes and refuses `..`, so that no key escapes its store. */
export function joinKey(...parts: string[]): string {
  const segments = parts.flatMap((p) => p.split('/')).filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new Error(`Refusing a path with "..": ${parts.join('/')}`);
  return segments.join('/');
}
