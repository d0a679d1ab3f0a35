/**
 * An in-memory Cloud Storage JSON-API server on 127.0.0.1:<random port> for tests (node:http only). Point the real
 * client at it with `createStorageClient({ STORAGE_EMULATOR_HOST: server.url })` or `process.env.STORAGE_EMULATOR_HOST`.
 *
 *   const gcs = await startGcsServer({ signers: [account] });   // account from testServiceAccount()
 *   gcs.putObject('in', 'sessions/s1/_READY', '{}');            // seed without HTTP
 *   gcs.objects('out')                                          // StoredObject[] sorted by name, with data
 *   gcs.getObject('out', 'sessions/s1/run/status.json')?.data
 *   gcs.onFinalize((obj) => ...)                                // like Eventarc storage.object.finalized
 *   gcs.failNext({ method: 'PUT', path: /upload_id/ }, 503)     // fault injection, next matching request only
 *   gcs.requestLog                                              // { method, path, query, status, bytes }[]
 *   await gcs.close()
 *
 * Implemented (paths with or without the `/storage/v1` prefix, since the library drops it under
 * STORAGE_EMULATOR_HOST): object insert by `uploadType=media|multipart|resumable` (resumable: POST -> Location
 * session URI -> one or many PUTs with Content-Range, 308 + Range for incomplete uploads, non-final chunks kept to
 * 256 KiB multiples as GCS does, status queries `bytes *\/T`); `ifGenerationMatch` / `ifMetagenerationMatch` on
 * insert, patch, delete and get (412 with GCS's JSON body); X-Goog-Hash and metadata crc32c/md5Hash checked on
 * insert; objects.get (metadata, `alt=media` with Range, x-goog-hash with crc32c and md5 so the client's download
 * validation runs), objects.list (`prefix`, `delimiter`, `pageToken`, `maxResults`, capped by `options.pageSize`),
 * objects.patch, objects.delete; buckets insert/get/list/delete (object routes create buckets on first use unless
 * `autoCreateBuckets: false`); V4 signed GETs on `/<bucket>/<object>`, verified against the registered signers.
 * Not implemented: compose, copy/rewrite, ACLs, versioning, notifications, XML API beyond signed GETs.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { handleBuckets, handleObjects, signedGet } from './gcs-server-objects.js';
import { handleUpload, type Session } from './gcs-server-upload.js';
import { crc32c, errorBody, HttpError, md5Base64 } from './gcs-wire.js';

export { testServiceAccount } from './gcs-wire.js';

export interface StoredObject {
  bucket: string;
  name: string;
  data: Buffer;
  generation: string;
  metageneration: string;
  contentType: string;
  metadata?: Record<string, string>;
  md5Hash: string;
  crc32c: string;
  timeCreated: string;
  updated: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  bytes: number;
}

export interface GcsServerOptions {
  /** Most entries per list page, whatever maxResults asks (to exercise pagination). Default 1000. */
  pageSize?: number;
  /** Default true: an object route on an unknown bucket creates it. */
  autoCreateBuckets?: boolean;
  /** Keys whose V4 signatures are accepted. */
  signers?: { client_email: string; publicKey: KeyObject }[];
}

export interface Fault {
  method?: string;
  path?: string | RegExp;
}

export interface GcsServer {
  url: string;
  host: string;
  port: number;
  requestLog: LoggedRequest[];
  createBucket(name: string): void;
  objects(bucket: string): StoredObject[];
  getObject(bucket: string, name: string): StoredObject | undefined;
  putObject(bucket: string, name: string, data: Buffer | string, options?: { contentType?: string; metadata?: Record<string, string> }): StoredObject;
  deleteObject(bucket: string, name: string): boolean;
  onFinalize(listener: (object: StoredObject) => void): () => void;
  /** The next `times` requests matching `fault` get `status` and a JSON error instead of being served. */
  failNext(fault: Fault, status: number, times?: number): void;
  close(): Promise<void>;
}

/** What the route handlers share. */
export interface ServerState {
  url: string;
  pageSize: number;
  signers: ReadonlyMap<string, KeyObject>;
  buckets: Map<string, Map<string, StoredObject>>;
  sessions: Map<string, Session>;
  bucket(name: string): Map<string, StoredObject>;
  store(bucket: string, name: string, data: Buffer, contentType: string, metadata?: Record<string, string>): StoredObject;
  resource(object: StoredObject): Record<string, unknown>;
}

export async function startGcsServer(options: GcsServerOptions = {}): Promise<GcsServer> {
  const buckets = new Map<string, Map<string, StoredObject>>();
  const listeners = new Set<(object: StoredObject) => void>();
  const faults: { fault: Fault; status: number; left: number }[] = [];
  const requestLog: LoggedRequest[] = [];
  // Real generations are microsecond timestamps; a counter from one keeps them unique and increasing.
  let generation = Date.now() * 1000;

  const state: ServerState = {
    url: '',
    pageSize: options.pageSize ?? 1000,
    signers: new Map((options.signers ?? []).map((s) => [s.client_email, s.publicKey])),
    buckets,
    sessions: new Map(),
    bucket(name) {
      let objects = buckets.get(name);
      if (!objects) {
        if (options.autoCreateBuckets === false) throw new HttpError(404, 'The specified bucket does not exist.', 'notFound');
        objects = new Map();
        buckets.set(name, objects);
      }
      return objects;
    },
    store(bucket, name, data, contentType, metadata) {
      if (!name || name.length > 1024) throw new HttpError(400, 'Object name must be 1-1024 bytes.', 'invalid');
      const now = new Date().toISOString();
      const object: StoredObject = {
        bucket,
        name,
        data,
        generation: String(++generation),
        metageneration: '1',
        contentType,
        md5Hash: md5Base64(data),
        crc32c: crc32c(data),
        timeCreated: now,
        updated: now,
        ...(metadata && Object.keys(metadata).length ? { metadata } : {}),
      };
      state.bucket(bucket).set(name, object);
      for (const listener of listeners) listener(object);
      return object;
    },
    resource(o) {
      const path = `b/${encodeURIComponent(o.bucket)}/o/${encodeURIComponent(o.name)}`;
      return {
        kind: 'storage#object',
        id: `${o.bucket}/${o.name}/${o.generation}`,
        selfLink: `${state.url}/storage/v1/${path}`,
        mediaLink: `${state.url}/download/storage/v1/${path}?generation=${o.generation}&alt=media`,
        name: o.name,
        bucket: o.bucket,
        generation: o.generation,
        metageneration: o.metageneration,
        contentType: o.contentType,
        storageClass: 'STANDARD',
        size: String(o.data.length),
        md5Hash: o.md5Hash,
        crc32c: o.crc32c,
        etag: Buffer.from(`${o.generation}/${o.metageneration}`).toString('base64'),
        timeCreated: o.timeCreated,
        updated: o.updated,
        timeStorageClassUpdated: o.timeCreated,
        ...(o.metadata ? { metadata: o.metadata } : {}),
      };
    },
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      bytes: 0,
    };
    requestLog.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    readBody(req)
      .then((body) => {
        entry.bytes = body.length;
        const fault = faults.find((f) => f.left > 0 && matches(f.fault, entry.method, url));
        if (fault) {
          fault.left--;
          throw new HttpError(fault.status, `Injected failure (${fault.status})`, 'backendError');
        }
        return route(req, res, url, body);
      })
      .catch((err: unknown) => {
        const e = err instanceof HttpError ? err : new HttpError(500, `Test server failure: ${String(err)}`, 'backendError');
        if (!res.headersSent) {
          res.writeHead(e.status, { 'Content-Type': 'application/json; charset=UTF-8' }).end(errorBody(e.status, e.message, e.reason));
        } else res.destroy();
      });
  });

  async function route(req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
    const method = req.method ?? 'GET';
    const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
    if (segments[0] === 'upload' && segments[1] === 'storage' && segments[2] === 'v1' && segments[3] === 'b' && segments[5] === 'o') {
      return handleUpload(state, req, res, url, body, segments[4]!);
    }
    if (url.searchParams.has('X-Goog-Signature') && (method === 'GET' || method === 'HEAD') && segments.length >= 2) {
      return signedGet(state, req, res, url, segments);
    }
    const isDownload = segments[0] === 'download';
    const api = segments[0] === 'storage' && segments[1] === 'v1' ? segments.slice(2) : isDownload ? segments.slice(3) : segments;
    if (api[0] === 'b' && api.length <= 2) return handleBuckets(state, res, method, api, body);
    if (api[0] === 'b' && api[2] === 'o') return handleObjects(state, req, res, url, api, body, isDownload);
    throw new HttpError(404, `Not Found: ${method} ${url.pathname}`, 'notFound');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}`;

  return {
    url: state.url,
    host: `127.0.0.1:${port}`,
    port,
    requestLog,
    createBucket: (name) => void state.bucket(name),
    objects: (bucket) => [...(buckets.get(bucket)?.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    getObject: (bucket, name) => buckets.get(bucket)?.get(name),
    putObject: (bucket, name, data, opts = {}) =>
      state.store(bucket, name, Buffer.from(data), opts.contentType ?? 'application/octet-stream', opts.metadata),
    deleteObject: (bucket, name) => buckets.get(bucket)?.delete(name) ?? false,
    onFinalize(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    failNext: (fault, status, times = 1) => void faults.push({ fault, status, left: times }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function matches(fault: Fault, method: string, url: URL): boolean {
  if (fault.method && fault.method !== method) return false;
  const target = url.pathname + url.search;
  if (typeof fault.path === 'string') return target.includes(fault.path);
  return fault.path ? fault.path.test(target) : true;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
