import { createReadStream as createLocalReadStream, createWriteStream as createLocalWriteStream } from 'node:fs';
import { mkdir, rm, stat as statLocal } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { CreateWriteStreamOptions, File, FileMetadata, Storage } from '@google-cloud/storage';
import { errorMessage, TransientError } from '../errors.js';
import { joinKey, NotFoundError, PreconditionFailedError, type ObjectInfo, type ReadOptions, type Store, type WriteOptions } from './types.js';

export interface GcsStoreOptions {
  /** Payloads above this many bytes go through a resumable session; smaller ones are one multipart request. */
  resumableThreshold?: number;
  /**
   * Resumable uploads are sent in requests of this many bytes (a multiple of 256 KiB), so a dropped connection costs
   * one chunk instead of the whole multi-GB recording. The chunk is buffered in memory.
   */
  chunkSize?: number;
}

const DEFAULT_RESUMABLE_THRESHOLD = 8 * 1024 * 1024;
const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;
/** V4 signed URLs cannot live longer than this (GCS rejects them). */
export const MAX_SIGNED_URL_SECONDS = 7 * 24 * 60 * 60;
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/** A Store over `gs://bucket/prefix/` through @google-cloud/storage (which honours STORAGE_EMULATOR_HOST). */
export class GcsStore implements Store {
  readonly uri: string;
  /** The root inside the bucket: '' or 'a/b/'. */
  readonly prefix: string;

  constructor(
    readonly client: Storage,
    readonly bucket: string,
    prefix: string,
    private readonly options: GcsStoreOptions = {},
  ) {
    if (!BUCKET_NAME.test(bucket)) {
      throw new Error(`"${bucket}" is not a valid bucket name: use 3-222 lowercase letters, digits, "-", "_" or "."`);
    }
    const root = joinKey(prefix);
    this.prefix = root ? `${root}/` : '';
    this.uri = `gs://${bucket}/${this.prefix}`;
  }

  uriOf(key: string): string {
    return this.uri + joinKey(key);
  }

  async list(prefix = ''): Promise<ObjectInfo[]> {
    const sub = joinKey(prefix);
    const under = this.prefix + (sub ? `${sub}/` : '');
    let files: File[];
    try {
      [files] = await this.client.bucket(this.bucket).getFiles({ prefix: under, autoPaginate: true });
    } catch (err) {
      throw this.failure(err, `gs://${this.bucket}/${under}`);
    }
    return files
      .filter((f) => !f.name.endsWith('/')) // folder placeholders made by the console are not objects to process
      .map((f) => this.info(f.name, f.metadata))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const file = this.file(key);
    try {
      const [metadata] = await file.getMetadata();
      return this.info(file.name, metadata);
    } catch (err) {
      const mapped = this.failure(err, this.uriOf(key));
      if (mapped instanceof NotFoundError) return undefined;
      throw mapped;
    }
  }

  async read(key: string, options: ReadOptions = {}): Promise<Buffer> {
    const file = this.file(key);
    try {
      const [data] = await file.download(options.maxBytes === undefined ? {} : { start: 0, end: Math.max(0, options.maxBytes - 1) });
      return options.maxBytes === undefined ? data : data.subarray(0, options.maxBytes);
    } catch (err) {
      // A range read of an empty object is "unsatisfiable": it holds nothing, which is the answer.
      if (options.maxBytes !== undefined && statusOf(err) === 416) return Buffer.alloc(0);
      throw this.failure(err, this.uriOf(key));
    }
  }

  createReadStream(key: string): Readable {
    const source = this.file(key).createReadStream();
    const out = new PassThrough();
    source.on('error', (err) => out.destroy(this.failure(err, this.uriOf(key))));
    // A consumer that stops early must not leave the HTTP response open.
    out.on('close', () => source.destroy());
    return source.pipe(out);
  }

  async download(key: string, localPath: string): Promise<void> {
    const source = this.file(key).createReadStream();
    await mkdir(dirname(localPath), { recursive: true });
    try {
      await pipeline(source, createLocalWriteStream(localPath));
    } catch (err) {
      await rm(localPath, { force: true });
      throw this.failure(err, this.uriOf(key));
    }
  }

  async write(key: string, data: Buffer | string, options: WriteOptions = {}): Promise<ObjectInfo> {
    const file = this.file(key);
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    try {
      await file.save(body, this.writeOptions(options, body.length));
    } catch (err) {
      throw this.failure(err, this.uriOf(key));
    }
    return this.info(file.name, file.metadata);
  }

  async upload(
    localPath: string,
    key: string,
    options: WriteOptions & { onProgress?: (bytes: number) => void } = {},
  ): Promise<ObjectInfo> {
    const file = this.file(key);
    let size: number;
    try {
      size = (await statLocal(localPath)).size;
    } catch (err) {
      throw new Error(`Cannot upload ${localPath} to ${this.uriOf(key)}: ${errorMessage(err)}`, { cause: err });
    }
    const sink = file.createWriteStream(this.writeOptions(options, size));
    // The library may report the same bytes twice after a retried chunk; callers want a count that only grows.
    let reported = 0;
    const report = (bytes: number): void => {
      const clamped = Math.min(bytes, size);
      if (clamped > reported) {
        reported = clamped;
        options.onProgress?.(clamped);
      }
    };
    sink.on('progress', (event: { bytesWritten?: number }) => report(event.bytesWritten ?? 0));
    try {
      await pipeline(createLocalReadStream(localPath), sink);
    } catch (err) {
      throw this.failure(err, this.uriOf(key));
    }
    report(size);
    return this.info(file.name, file.metadata);
  }

  async delete(key: string): Promise<void> {
    try {
      await this.file(key).delete({ ignoreNotFound: true });
    } catch (err) {
      throw this.failure(err, this.uriOf(key));
    }
  }

  child(prefix: string): Store {
    return new GcsStore(this.client, this.bucket, this.prefix + joinKey(prefix), this.options);
  }

  /** A V4 read URL. Without a private key in the credentials, the library asks IAM signBlob to sign it. */
  async signedUrl(key: string, expiresInSeconds: number): Promise<string> {
    const uri = this.uriOf(key);
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_SIGNED_URL_SECONDS) {
      throw new RangeError(
        `A signed URL for ${uri} must expire within 1 to ${MAX_SIGNED_URL_SECONDS} seconds (7 days, the V4 maximum); ` +
          `got ${expiresInSeconds}`,
      );
    }
    // Whole seconds on both ends so that X-Goog-Expires is exactly what was asked.
    const now = Math.floor(Date.now() / 1000) * 1000;
    try {
      const [url] = await this.file(key).getSignedUrl({
        version: 'v4',
        action: 'read',
        accessibleAt: now,
        expires: now + expiresInSeconds * 1000,
      });
      return url;
    } catch (err) {
      throw new Error(`Cannot sign a URL for ${uri}: ${errorMessage(err)}`, { cause: err });
    }
  }

  private file(key: string): File {
    const k = joinKey(key);
    if (!k) throw new Error(`An object key is needed under ${this.uri}`);
    return this.client.bucket(this.bucket).file(this.prefix + k);
  }

  private writeOptions(options: WriteOptions, size: number): CreateWriteStreamOptions {
    const resumable = size > (this.options.resumableThreshold ?? DEFAULT_RESUMABLE_THRESHOLD);
    const out: CreateWriteStreamOptions = { resumable };
    if (resumable) out.chunkSize = this.options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (options.contentType) out.contentType = options.contentType;
    if (options.metadata) out.metadata = { metadata: options.metadata };
    if (options.ifAbsent) out.preconditionOpts = { ifGenerationMatch: 0 };
    return out;
  }

  private info(name: string, metadata: FileMetadata): ObjectInfo {
    const info: ObjectInfo = { key: name.slice(this.prefix.length), size: Number(metadata.size ?? 0) };
    if (metadata.updated) info.updated = new Date(metadata.updated);
    if (metadata.generation !== undefined) info.generation = String(metadata.generation);
    if (metadata.contentType) info.contentType = metadata.contentType;
    if (metadata.md5Hash) info.md5 = metadata.md5Hash;
    if (metadata.metadata) {
      const custom = Object.entries(metadata.metadata).filter(([, v]) => v !== null && v !== undefined);
      if (custom.length) info.metadata = Object.fromEntries(custom.map(([k, v]) => [k, String(v)]));
    }
    return info;
  }

  /** 404 and 412 become the Store's own errors; the rest keep their cause and gain the gs:// URI. */
  private failure(err: unknown, uri: string): Error {
    const status = statusOf(err);
    if (status === 404) return new NotFoundError(uri);
    if (status === 412) return new PreconditionFailedError(uri);
    const message = `${uri}: ${errorMessage(err)}`;
    const code = (err as { code?: unknown } | undefined)?.code;
    if ((status !== undefined && TRANSIENT_STATUS.has(status)) || (typeof code === 'string' && TRANSIENT_CODES.has(code))) {
      return new TransientError(message, { cause: err });
    }
    return new Error(message, { cause: err });
  }
}

/** The HTTP status, wherever this library's several error shapes keep it. */
function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; status?: unknown; response?: { status?: unknown } };
  for (const candidate of [e.code, e.status, e.response?.status]) {
    if (typeof candidate === 'number' && candidate >= 100 && candidate < 600) return candidate;
  }
  return undefined;
}
