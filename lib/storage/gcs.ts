import type { Storage } from '@google-cloud/storage';
import type { Readable } from 'node:stream';
import type { ObjectInfo, Store, WriteOptions } from './types.js';

// Placeholder: replaced by the real implementation.
export class GcsStore implements Store {
  readonly uri: string;
  constructor(
    readonly client: Storage,
    readonly bucket: string,
    readonly prefix: string,
  ) {
    this.uri = `gs://${bucket}/${prefix}`;
  }
  uriOf(key: string): string {
    return this.uri + key;
  }
  list(): Promise<ObjectInfo[]> {
    throw new Error('not implemented');
  }
  stat(): Promise<ObjectInfo | undefined> {
    throw new Error('not implemented');
  }
  read(): Promise<Buffer> {
    throw new Error('not implemented');
  }
  createReadStream(): Readable {
    throw new Error('not implemented');
  }
  download(): Promise<void> {
    throw new Error('not implemented');
  }
  write(_k: string, _d: Buffer | string, _o?: WriteOptions): Promise<ObjectInfo> {
    throw new Error('not implemented');
  }
  upload(): Promise<ObjectInfo> {
    throw new Error('not implemented');
  }
  delete(): Promise<void> {
    throw new Error('not implemented');
  }
  child(): Store {
    throw new Error('not implemented');
  }
}
