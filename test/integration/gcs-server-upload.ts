/**
 * Object inserts for the loopback GCS server: `uploadType=media`, `multipart` and `resumable` (session initiation,
 * single or chunked PUTs, status queries). See gcs-server.ts for the whole API.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerState, StoredObject } from './gcs-server.js';
import {
  checkDeclaredHashes,
  HttpError,
  parseContentRange,
  parseGoogHash,
  parseJsonObject,
  parseMultipart,
  preconditionFailed,
  stringMap,
  type UploadRange,
} from './gcs-wire.js';

/** GCS keeps non-final chunks of a resumable upload to multiples of this. */
const CHUNK_QUANTUM = 256 * 1024;

export interface Session {
  bucket: string;
  name: string;
  contentType: string;
  metadata?: Record<string, string>;
  preconditions: URLSearchParams;
  declared: { crc32c?: unknown; md5?: unknown };
  chunks: Buffer[];
  received: number;
  done?: StoredObject;
}

/** ifGenerationMatch=0 means "must not exist"; other values must equal the live generation. */
export function checkPreconditions(q: URLSearchParams, current: StoredObject | undefined): void {
  const generation = q.get('ifGenerationMatch');
  if (generation !== null && (current ? generation !== current.generation : generation !== '0')) throw preconditionFailed();
  const metageneration = q.get('ifMetagenerationMatch');
  if (metageneration !== null && metageneration !== current?.metageneration) throw preconditionFailed();
}

/** POST /upload/storage/v1/b/<bucket>/o and PUT on a resumable session URI. */
export function handleUpload(state: ServerState, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer, bucket: string): void {
  const q = url.searchParams;
  const type = q.get('uploadType');
  if (req.method === 'PUT' && q.has('upload_id')) return putToSession(state, req, res, q.get('upload_id')!, body);
  if (req.method !== 'POST') throw new HttpError(405, `${req.method} is not an upload method`, 'invalid');
  if (type === 'resumable') return startSession(state, req, res, q, body, bucket);

  let meta: Record<string, unknown> = {};
  let data = body;
  let contentType = req.headers['content-type'] ?? 'application/octet-stream';
  if (type === 'multipart') {
    let parts;
    try {
      parts = parseMultipart(req.headers['content-type'], body);
    } catch (err) {
      throw new HttpError(400, (err as Error).message, 'invalid');
    }
    if (parts.length !== 2) throw new HttpError(400, `A multipart upload has 2 parts (metadata, media), not ${parts.length}.`, 'invalid');
    meta = parseJsonObject(parts[0]!.body);
    data = parts[1]!.body;
    contentType = parts[1]!.headers['content-type'] ?? 'application/octet-stream';
  } else if (type !== 'media') {
    throw new HttpError(400, `Unsupported uploadType "${type}".`, 'invalid');
  }
  const name = objectName(q, meta);
  checkPreconditions(q, state.bucket(bucket).get(name));
  checkDeclaredHashes({ ...declaredIn(meta), ...parseGoogHash(header(req, 'x-goog-hash')) }, data);
  const object = state.store(bucket, name, data, typeof meta.contentType === 'string' ? meta.contentType : contentType, stringMap(meta.metadata));
  sendJson(res, 200, state.resource(object));
}

function startSession(state: ServerState, req: IncomingMessage, res: ServerResponse, q: URLSearchParams, body: Buffer, bucket: string): void {
  const meta = parseJsonObject(body);
  const name = objectName(q, meta);
  // Checked now so a doomed upload fails before its bytes are sent, and again on finalization.
  checkPreconditions(q, state.bucket(bucket).get(name));
  const preconditions = new URLSearchParams();
  for (const key of ['ifGenerationMatch', 'ifMetagenerationMatch']) if (q.has(key)) preconditions.set(key, q.get(key)!);
  const id = randomUUID();
  const contentType = header(req, 'x-upload-content-type') ?? (typeof meta.contentType === 'string' ? meta.contentType : undefined);
  const session: Session = {
    bucket,
    name,
    contentType: contentType ?? 'application/octet-stream',
    preconditions,
    declared: declaredIn(meta),
    chunks: [],
    received: 0,
  };
  const metadata = stringMap(meta.metadata);
  if (metadata) session.metadata = metadata;
  state.sessions.set(id, session);
  const location = `${state.url}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
  res.writeHead(200, { Location: location, 'Content-Length': '0' }).end();
}

function putToSession(state: ServerState, req: IncomingMessage, res: ServerResponse, id: string, body: Buffer): void {
  const session = state.sessions.get(id);
  if (!session) throw new HttpError(404, `No upload session "${id}".`, 'notFound');
  if (session.done) return sendJson(res, 200, state.resource(session.done));
  let range: UploadRange | undefined;
  try {
    range = parseContentRange(header(req, 'content-range'));
  } catch (err) {
    throw new HttpError(400, (err as Error).message, 'invalid');
  }
  const append = (bytes: Buffer) => {
    session.chunks.push(bytes);
    session.received += bytes.length;
  };
  const finalize = () => {
    const data = Buffer.concat(session.chunks);
    checkPreconditions(session.preconditions, state.bucket(session.bucket).get(session.name));
    checkDeclaredHashes({ ...session.declared, ...parseGoogHash(header(req, 'x-goog-hash')) }, data);
    session.done = state.store(session.bucket, session.name, data, session.contentType, session.metadata);
    session.chunks = [];
    sendJson(res, 200, state.resource(session.done));
  };
  const incomplete = () => {
    const headers: Record<string, string> = { 'Content-Length': '0' };
    if (session.received > 0) headers.Range = `bytes=0-${session.received - 1}`;
    res.writeHead(308, headers).end();
  };

  if (!range) {
    if (session.received) throw new HttpError(400, 'A PUT without Content-Range must carry the whole object.', 'invalid');
    append(body);
    return finalize();
  }
  if (range.first === undefined) {
    // `bytes */T`: a status query, or the end of an upload whose bytes all arrived already.
    if (body.length) throw new HttpError(400, 'Content-Range "bytes */..." must come with an empty body.', 'invalid');
    return range.total === session.received ? finalize() : incomplete();
  }
  if (range.first > session.received) {
    throw new HttpError(400, `Bytes out of order: expected offset ${session.received}, got ${range.first}.`, 'invalid');
  }
  if (range.last !== '*' && range.last !== range.first + body.length - 1) {
    throw new HttpError(400, `Content-Range says ${range.first}-${range.last} but the body has ${body.length} bytes.`, 'invalid');
  }
  const end = range.first + body.length;
  const isFinal = range.total !== undefined ? end >= range.total : range.last === '*';
  if (isFinal) {
    append(body.subarray(session.received - range.first));
    if (range.total !== undefined && session.received !== range.total) {
      throw new HttpError(400, `Upload ended at ${session.received} bytes, Content-Range declared ${range.total}.`, 'invalid');
    }
    return finalize();
  }
  const kept = Math.floor(end / CHUNK_QUANTUM) * CHUNK_QUANTUM;
  if (kept > session.received) append(body.subarray(session.received - range.first, kept - range.first));
  incomplete();
}

function objectName(q: URLSearchParams, meta: Record<string, unknown>): string {
  const name = q.get('name') ?? (typeof meta.name === 'string' ? meta.name : '');
  if (!name || Buffer.byteLength(name) > 1024) throw new HttpError(400, 'An object name of 1-1024 bytes is required.', 'required');
  return name;
}

function declaredIn(meta: Record<string, unknown>): { crc32c?: unknown; md5?: unknown } {
  return { crc32c: meta.crc32c, md5: meta.md5Hash };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8' }).end(JSON.stringify(value));
}
