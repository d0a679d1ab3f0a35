/**
 * Object, bucket and signed-URL routes of the loopback GCS server (everything but inserts). See gcs-server.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkPreconditions, sendJson } from './gcs-server-upload.js';
import type { ServerState, StoredObject } from './gcs-server.js';
import { checkV4Signature, HttpError, noSuchObject, parseJsonObject, parseRange } from './gcs-wire.js';

/** `api` is the path after `/storage/v1`: ['b', bucket, 'o', name]. */
export function handleObjects(state: ServerState, req: IncomingMessage, res: ServerResponse, url: URL, api: string[], body: Buffer, isDownload: boolean): void {
  const method = req.method ?? 'GET';
  const q = url.searchParams;
  const bucket = api[1]!;
  const objects = state.bucket(bucket);
  if (api.length === 3 && method === 'GET') return sendJson(res, 200, listObjects(state, objects, q));
  const name = api.slice(3).join('/');
  const current = objects.get(name);
  if (q.has('generation') && current && q.get('generation') !== current.generation) throw noSuchObject(bucket, name);
  checkPreconditions(q, current);
  if (!current) throw noSuchObject(bucket, name);
  if (method === 'GET' && (q.get('alt') === 'media' || isDownload)) return sendMedia(req, res, current);
  if (method === 'GET') return sendJson(res, 200, state.resource(current));
  if (method === 'DELETE') {
    objects.delete(name);
    return void res.writeHead(204).end();
  }
  if (method === 'PATCH' || method === 'PUT') return sendJson(res, 200, state.resource(patchObject(current, parseJsonObject(body))));
  throw new HttpError(405, `${method} is not supported on objects`, 'invalid');
}

function listObjects(state: ServerState, objects: Map<string, StoredObject>, q: URLSearchParams): Record<string, unknown> {
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const entries = new Map<string, StoredObject | undefined>(); // name or folder prefix -> object (undefined: folder)
  for (const [name, object] of objects) {
    if (!name.startsWith(prefix)) continue;
    const cut = delimiter ? name.indexOf(delimiter, prefix.length) : -1;
    if (cut >= 0) entries.set(name.slice(0, cut + delimiter.length), undefined);
    else entries.set(name, object);
  }
  const token = q.get('pageToken') ? Buffer.from(q.get('pageToken')!, 'base64url').toString('utf8') : undefined;
  const sorted = [...entries.keys()].sort().filter((k) => token === undefined || k > token);
  const size = Math.max(1, Math.min(Number(q.get('maxResults') ?? 1000) || 1000, state.pageSize ?? 1000));
  const page = sorted.slice(0, size);
  const items = page.flatMap((k) => (entries.get(k) ? [state.resource(entries.get(k)!)] : []));
  const prefixes = page.filter((k) => !entries.get(k));
  return {
    kind: 'storage#objects',
    ...(items.length ? { items } : {}),
    ...(prefixes.length ? { prefixes } : {}),
    ...(sorted.length > size ? { nextPageToken: Buffer.from(page.at(-1)!).toString('base64url') } : {}),
  };
}

function patchObject(object: StoredObject, changes: Record<string, unknown>): StoredObject {
  if (typeof changes.contentType === 'string') object.contentType = changes.contentType;
  if (changes.metadata === null) delete object.metadata;
  else if (changes.metadata && typeof changes.metadata === 'object') {
    const merged: Record<string, string> = { ...object.metadata };
    for (const [k, v] of Object.entries(changes.metadata)) {
      if (v === null) delete merged[k];
      else merged[k] = String(v);
    }
    if (Object.keys(merged).length) object.metadata = merged;
    else delete object.metadata;
  }
  object.metageneration = String(Number(object.metageneration) + 1);
  object.updated = new Date().toISOString();
  return object;
}

/** `/b` and `/b/<bucket>`. */
export function handleBuckets(state: ServerState, res: ServerResponse, method: string, api: string[], body: Buffer): void {
  if (api.length === 2) return bucketResource(state, res, method, api[1]!);
  if (method === 'GET') return sendJson(res, 200, { kind: 'storage#buckets', items: [...state.buckets.keys()].sort().map(bucketJson) });
  if (method !== 'POST') throw new HttpError(405, `${method} is not supported on buckets`, 'invalid');
  const name = parseJsonObject(body).name;
  if (typeof name !== 'string' || !name) throw new HttpError(400, 'A bucket needs a name.', 'invalid');
  if (state.buckets.has(name)) throw new HttpError(409, 'Your previous request to create the named bucket succeeded and you already own it.', 'conflict');
  state.buckets.set(name, new Map());
  sendJson(res, 200, bucketJson(name));
}

function bucketResource(state: ServerState, res: ServerResponse, method: string, name: string): void {
  const objects = state.buckets.get(name);
  if (!objects) throw new HttpError(404, 'The specified bucket does not exist.', 'notFound');
  if (method === 'GET') return sendJson(res, 200, bucketJson(name));
  if (method !== 'DELETE') throw new HttpError(405, `${method} is not supported on a bucket`, 'invalid');
  if (objects.size) throw new HttpError(409, 'The bucket you tried to delete is not empty.', 'conflict');
  state.buckets.delete(name);
  res.writeHead(204).end();
}

/** XML-API GET on `/<bucket>/<object>` authorised by a V4 signature in the query. */
export function signedGet(state: ServerState, req: IncomingMessage, res: ServerResponse, url: URL, segments: string[]): void {
  const problem = checkV4Signature(req.method ?? 'GET', url.pathname, url.searchParams, req.headers, state.signers);
  if (problem) {
    const status = problem.code === 'SignatureDoesNotMatch' ? 403 : 400;
    const xml = `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${problem.code}</Code><Message>${problem.message}</Message></Error>`;
    res.writeHead(status, { 'Content-Type': 'application/xml; charset=UTF-8' }).end(xml);
    return;
  }
  const object = state.buckets.get(segments[0]!)?.get(segments.slice(1).join('/'));
  if (!object) {
    res.writeHead(404, { 'Content-Type': 'application/xml; charset=UTF-8' }).end('<Error><Code>NoSuchKey</Code></Error>');
    return;
  }
  sendMedia(req, res, object);
}

function bucketJson(name: string): Record<string, unknown> {
  return { kind: 'storage#bucket', id: name, name, location: 'US', storageClass: 'STANDARD', metageneration: '1' };
}

function sendMedia(req: IncomingMessage, res: ServerResponse, o: StoredObject): void {
  const headers: Record<string, string> = {
    'Content-Type': o.contentType,
    'x-goog-hash': `crc32c=${o.crc32c},md5=${o.md5Hash}`,
    'x-goog-generation': o.generation,
    'x-goog-metageneration': o.metageneration,
    'x-goog-stored-content-encoding': 'identity',
    'x-goog-stored-content-length': String(o.data.length),
    'Accept-Ranges': 'bytes',
    ETag: `"${Buffer.from(o.md5Hash, 'base64').toString('hex')}"`,
  };
  const range = parseRange(req.headers.range, o.data.length);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'Content-Range': `bytes */${o.data.length}` }).end();
    return;
  }
  const [status, data] = range ? [206, o.data.subarray(range[0], range[1] + 1)] : [200, o.data];
  if (range) headers['Content-Range'] = `bytes ${range[0]}-${range[1]}/${o.data.length}`;
  headers['Content-Length'] = String(data.length);
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : data);
}

