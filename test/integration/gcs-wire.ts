/**
 * Wire-level pieces of the loopback GCS server (gcs-server.ts): checksums, multipart/related bodies, Content-Range and
 * Range headers, JSON error bodies, and V4 signed-URL verification. Written from the protocol documentation, not from
 * the client library, so that the client's own checks (crc32c, md5, signatures) are tested against independent code.
 */
import { createHash, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32C (Castagnoli), as GCS reports it: 4 big-endian bytes, base64. */
export function crc32c(data: Uint8Array): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

export function md5Base64(data: Uint8Array): string {
  return createHash('md5').update(data).digest('base64');
}

/** Parses `X-Goog-Hash: crc32c=...,md5=...`. */
export function parseGoogHash(header: string | undefined): { crc32c?: string; md5?: string } {
  const out: { crc32c?: string; md5?: string } = {};
  for (const pair of (header ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const name = pair.slice(0, eq).trim().toLowerCase();
    if (name === 'crc32c' || name === 'md5') out[name] = pair.slice(eq + 1).trim();
  }
  return out;
}

export interface Part {
  headers: Record<string, string>;
  body: Buffer;
}

/** RFC 2046 multipart body; the CRLF before each delimiter belongs to the delimiter. */
export function parseMultipart(contentType: string | undefined, body: Buffer): Part[] {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new Error('multipart upload without a boundary in Content-Type');
  const open = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  let pos = body.indexOf(open);
  if (pos < 0) throw new Error('multipart body without its opening boundary');
  pos += open.length;
  const parts: Part[] = [];
  while (body.subarray(pos, pos + 2).toString('latin1') !== '--') {
    if (body.subarray(pos, pos + 2).toString('latin1') !== '\r\n') throw new Error('malformed multipart boundary line');
    pos += 2;
    const end = body.indexOf(next, pos);
    if (end < 0) throw new Error('multipart body without its closing boundary');
    const raw = body.subarray(pos, end);
    const split = raw.subarray(0, 2).toString('latin1') === '\r\n' ? 0 : raw.indexOf('\r\n\r\n');
    if (split < 0) throw new Error('multipart part without a blank line after its headers');
    const headers: Record<string, string> = {};
    for (const line of raw.subarray(0, split).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, body: raw.subarray(split === 0 ? 2 : split + 4) });
    pos = end + next.length;
  }
  return parts;
}

/** `Content-Range` of a resumable PUT: `bytes A-B/T`, `bytes A-*\/T`, `bytes *\/T`; T may be `*`. */
export interface UploadRange {
  first?: number;
  last?: number | '*';
  total?: number;
}

export function parseContentRange(header: string | undefined): UploadRange | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes (?:(\d+)-(\d+|\*)|\*)\/(\d+|\*)$/.exec(header.trim());
  if (!m) throw new Error(`malformed Content-Range "${header}"`);
  const range: UploadRange = {};
  if (m[1] !== undefined) range.first = Number(m[1]);
  if (m[2] !== undefined) range.last = m[2] === '*' ? '*' : Number(m[2]);
  if (m[3] !== '*') range.total = Number(m[3]);
  return range;
}

/** A download `Range: bytes=A-B | A- | -N` against `size` bytes: [start, end] inclusive, 'unsatisfiable', or undefined. */
export function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Math.min(Number(m[2]), size);
    return n === 0 ? 'unsatisfiable' : [size - n, size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size || end < start ? 'unsatisfiable' : [start, end];
}

/** The JSON API's error body. */
export function errorBody(code: number, message: string, reason: string, extra: Record<string, string> = {}): string {
  return JSON.stringify({ error: { code, message, errors: [{ message, domain: 'global', reason, ...extra }] } });
}

/** RFC 3986 unreserved characters stay; everything else is %XX, as V4 signing requires. */
function strictEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Checks a V4 signed request (query-string form). `rawPath` is the path as sent; `host` the Host header. The port is
 * not part of the signed host: GCS has none and the client library signs the hostname only.
 * Returns undefined when valid, otherwise the reason.
 */
export function checkV4Signature(
  method: string,
  rawPath: string,
  query: URLSearchParams,
  headers: Record<string, string | string[] | undefined>,
  signers: ReadonlyMap<string, KeyObject>,
  now = new Date(),
): { code: string; message: string } | undefined {
  const get = (name: string) => query.get(name) ?? '';
  if (get('X-Goog-Algorithm') !== 'GOOG4-RSA-SHA256') return { code: 'InvalidArgument', message: 'X-Goog-Algorithm must be GOOG4-RSA-SHA256' };
  const [email, ...scopeParts] = get('X-Goog-Credential').split('/');
  const scope = scopeParts.join('/');
  const key = signers.get(email ?? '');
  if (!key) return { code: 'SignatureDoesNotMatch', message: `No key is known for signer "${email}"` };
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(get('X-Goog-Date'));
  const expires = Number(get('X-Goog-Expires'));
  if (!date || !Number.isInteger(expires)) return { code: 'InvalidArgument', message: 'X-Goog-Date or X-Goog-Expires is malformed' };
  if (expires > 604800) return { code: 'InvalidArgument', message: 'X-Goog-Expires must be at most 604800 seconds' };
  const start = Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!);
  if (now.getTime() > start + expires * 1000) return { code: 'ExpiredToken', message: 'Invalid argument: the signed URL has expired' };

  const canonicalQuery = [...query.entries()]
    .filter(([k]) => k !== 'X-Goog-Signature')
    .map(([k, v]) => [strictEncode(k), strictEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const signedHeaders = get('X-Goog-SignedHeaders');
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => {
      const raw = headers[name];
      let value = (Array.isArray(raw) ? raw.join(',') : (raw ?? '')).trim().replace(/\s{2,}/g, ' ');
      if (name === 'host') value = value.replace(/:\d+$/, '');
      return `${name}:${value}\n`;
    })
    .join('');
  const canonicalRequest = [method, rawPath, canonicalQuery, canonicalHeaders, signedHeaders, 'UNSIGNED-PAYLOAD'].join('\n');
  const stringToSign = ['GOOG4-RSA-SHA256', get('X-Goog-Date'), scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const ok = verify('RSA-SHA256', Buffer.from(stringToSign), key, Buffer.from(get('X-Goog-Signature'), 'hex'));
  return ok ? undefined : { code: 'SignatureDoesNotMatch', message: 'The request signature does not match' };
}

/** A throwaway service-account key: sign URLs in tests with it, register `publicKey` with the server to verify them. */
export function testServiceAccount(clientEmail = 'tests@jdr-transcriber-test.iam.gserviceaccount.com'): {
  client_email: string;
  private_key: string;
  publicKey: KeyObject;
} {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    client_email: clientEmail,
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey,
  };
}

/** Failures a handler throws to answer with a GCS-shaped JSON error. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

export const preconditionFailed = () =>
  new HttpError(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');

export const noSuchObject = (bucket: string, name: string) =>
  new HttpError(404, `No such object: ${bucket}/${name}`, 'notFound');

/** GCS rejects an upload whose declared crc32c / md5 (metadata or X-Goog-Hash) differs from the bytes received. */
export function checkDeclaredHashes(declared: { crc32c?: unknown; md5?: unknown }, data: Buffer): void {
  if (typeof declared.crc32c === 'string' && declared.crc32c !== crc32c(data)) {
    throw new HttpError(400, `Provided CRC32C "${declared.crc32c}" doesn't match calculated CRC32C "${crc32c(data)}".`, 'invalid');
  }
  if (typeof declared.md5 === 'string' && declared.md5 !== md5Base64(data)) {
    throw new HttpError(400, `Provided MD5 hash "${declared.md5}" doesn't match calculated MD5 hash "${md5Base64(data)}".`, 'invalid');
  }
}

export function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered by the 400 below
  }
  throw new HttpError(400, 'The request body is not a JSON object.', 'parseError');
}

/** Custom metadata values as GCS keeps them: strings, nulls dropped. */
export function stringMap(value: unknown): Record<string, string> | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const entries = Object.entries(value).filter(([, v]) => v !== null && v !== undefined);
  return entries.length ? Object.fromEntries(entries.map(([k, v]) => [k, String(v)])) : undefined;
}
