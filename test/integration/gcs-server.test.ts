/**
 * The loopback GCS server's own behaviour, checked over raw HTTP where the wire matters (412 bodies, resumable
 * sessions, pagination, ranges) and with the real client where the point is that the client accepts it.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Storage } from '@google-cloud/storage';
import { createStorageClient } from '../../lib/storage/gcs-client.js';
import { GcsStore } from '../../lib/storage/gcs.js';
import { NotFoundError } from '../../lib/storage/types.js';
import { startGcsServer, testServiceAccount, type GcsServer, type StoredObject } from './gcs-server.js';
import { checkV4Signature, crc32c } from './gcs-wire.js';

const KiB = 1024;
let gcs: GcsServer;
before(async () => {
  gcs = await startGcsServer({ pageSize: 1000 });
});
after(() => gcs.close());

const upload = (bucket: string, query: string, init: RequestInit) =>
  fetch(`${gcs.url}/upload/storage/v1/b/${bucket}/o?${query}`, { method: 'POST', ...init });

describe('loopback GCS server', () => {
  it('computes CRC32C (Castagnoli) as GCS reports it', () => {
    // RFC 3720 check value: crc32c("123456789") = 0xE3069283.
    assert.equal(crc32c(Buffer.from('123456789')), Buffer.from('e3069283', 'hex').toString('base64'));
    assert.equal(crc32c(Buffer.alloc(0)), 'AAAAAA==');
  });

  it('answers a failed ifGenerationMatch with 412 and a GCS-shaped JSON body', async () => {
    const first = await upload('pre-bucket', 'uploadType=media&name=claim&ifGenerationMatch=0', { body: 'one' });
    assert.equal(first.status, 200);
    const created = (await first.json()) as { generation: string; size: string; md5Hash: string; crc32c: string };
    assert.equal(created.size, '3');
    assert.equal(created.md5Hash, createHash('md5').update('one').digest('base64'));
    assert.equal(created.crc32c, crc32c(Buffer.from('one')));

    const again = await upload('pre-bucket', 'uploadType=media&name=claim&ifGenerationMatch=0', { body: 'two' });
    assert.equal(again.status, 412);
    assert.deepEqual(await again.json(), {
      error: {
        code: 412,
        message: 'At least one of the pre-conditions you specified did not hold.',
        errors: [{ message: 'At least one of the pre-conditions you specified did not hold.', domain: 'global', reason: 'conditionNotMet' }],
      },
    });
    const stale = await upload('pre-bucket', 'uploadType=media&name=claim&ifGenerationMatch=1', { body: 'two' });
    assert.equal(stale.status, 412);
    const resumable = await upload('pre-bucket', 'uploadType=resumable&name=claim&ifGenerationMatch=0', { body: '{}' });
    assert.equal(resumable.status, 412, 'a resumable session is refused at initiation');
    const raced = await upload('pre-bucket', 'uploadType=resumable&name=late&ifGenerationMatch=0', { body: '{}' });
    gcs.putObject('pre-bucket', 'late', 'someone else was first');
    const finish = await fetch(raced.headers.get('location')!, { method: 'PUT', body: 'mine' });
    assert.equal(finish.status, 412, 'preconditions are checked again when the session finalizes');
    const current = await upload('pre-bucket', `uploadType=media&name=claim&ifGenerationMatch=${created.generation}`, { body: 'two' });
    assert.equal(current.status, 200);
    assert.ok(BigInt(((await current.json()) as { generation: string }).generation) > BigInt(created.generation));
    assert.equal(gcs.getObject('pre-bucket', 'claim')?.data.toString(), 'two');
  });

  it('parses multipart/related uploads and refuses a declared hash that does not match', async () => {
    const boundary = 'xyz';
    const body = (meta: object, data: string) =>
      `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(meta)}\r\n` +
      `--${boundary}\r\nContent-Type: text/plain\r\n\r\n${data}\r\n--${boundary}--`;
    const headers = { 'Content-Type': `multipart/related; boundary=${boundary}` };
    const ok = await upload('mp-bucket', 'uploadType=multipart', { headers, body: body({ name: 'a/b.txt', metadata: { k: 'v' } }, 'line\r\n') });
    assert.equal(ok.status, 200);
    const stored = gcs.getObject('mp-bucket', 'a/b.txt')!;
    assert.equal(stored.data.toString(), 'line\r\n');
    assert.equal(stored.contentType, 'text/plain');
    assert.deepEqual(stored.metadata, { k: 'v' });
    const bad = await upload('mp-bucket', 'uploadType=multipart', { headers, body: body({ name: 'c', crc32c: 'AAAAAA==' }, 'data') });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /CRC32C/);
  });

  it('runs a chunked resumable session: Location, 308 with Range, status query, 256 KiB quantum, final 200', async () => {
    const data = randomBytes(600 * KiB);
    const start = await upload('rs-bucket', 'uploadType=resumable&name=big.bin', {
      headers: { 'Content-Type': 'application/json', 'X-Upload-Content-Type': 'audio/wav' },
      body: JSON.stringify({ metadata: { session: 's1' } }),
    });
    assert.equal(start.status, 200);
    const session = start.headers.get('location')!;
    assert.match(session, /upload_id=/);
    const put = (range: string, body: Buffer) => fetch(session, { method: 'PUT', headers: { 'Content-Range': range }, body: new Uint8Array(body) });

    const first = await put(`bytes 0-${256 * KiB - 1}/*`, data.subarray(0, 256 * KiB));
    assert.equal(first.status, 308);
    assert.equal(first.headers.get('range'), `bytes=0-${256 * KiB - 1}`);
    // A non-final chunk that is not a 256 KiB multiple: GCS keeps the multiple and says so in Range.
    const second = await put(`bytes ${256 * KiB}-${300 * KiB - 1}/*`, data.subarray(256 * KiB, 300 * KiB));
    assert.equal(second.status, 308);
    assert.equal(second.headers.get('range'), `bytes=0-${256 * KiB - 1}`);
    const status = await put('bytes */*', Buffer.alloc(0));
    assert.equal(status.status, 308);
    assert.equal(status.headers.get('range'), `bytes=0-${256 * KiB - 1}`);
    assert.equal(gcs.getObject('rs-bucket', 'big.bin'), undefined, 'nothing visible before finalization');

    const last = await put(`bytes ${256 * KiB}-${data.length - 1}/${data.length}`, data.subarray(256 * KiB));
    assert.equal(last.status, 200);
    const resource = (await last.json()) as { size: string; contentType: string; metadata: object; crc32c: string };
    assert.deepEqual([resource.size, resource.contentType, resource.metadata], [String(data.length), 'audio/wav', { session: 's1' }]);
    assert.ok(gcs.getObject('rs-bucket', 'big.bin')!.data.equals(data));
    assert.equal((await put('bytes */*', Buffer.alloc(0))).status, 200, 'a finished session answers with the object');
  });

  it('lists with prefix, delimiter and page tokens', async () => {
    for (const name of ['s/1/a', 's/1/b', 's/2/a', 's/x', 's/y', 't/z']) gcs.putObject('ls-bucket', name, name);
    const list = async (query: string) =>
      (await (await fetch(`${gcs.url}/storage/v1/b/ls-bucket/o?${query}`)).json()) as { items?: { name: string }[]; prefixes?: string[]; nextPageToken?: string };
    const folders = await list('prefix=s/&delimiter=/');
    assert.deepEqual(folders.items?.map((i) => i.name), ['s/x', 's/y']);
    assert.deepEqual(folders.prefixes, ['s/1/', 's/2/']);

    const names: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await list(`prefix=s/&maxResults=2${token ? `&pageToken=${token}` : ''}`);
      names.push(...(page.items ?? []).map((i) => i.name));
      token = page.nextPageToken ?? '';
      pages++;
    } while (token);
    assert.deepEqual(names, ['s/1/a', 's/1/b', 's/2/a', 's/x', 's/y']);
    assert.equal(pages, 3);
    const [files, next] = await createStorageClient({ STORAGE_EMULATOR_HOST: gcs.url }).bucket('ls-bucket').getFiles({ autoPaginate: false, maxResults: 4 });
    assert.equal(files.length, 4);
    assert.ok(next?.pageToken, 'the client sees the next page token');
  });

  it('serves byte ranges and refuses unsatisfiable ones', async () => {
    gcs.putObject('rg-bucket', 'r.txt', '0123456789');
    const get = (range: string) => fetch(`${gcs.url}/b/rg-bucket/o/r.txt?alt=media`, { headers: { Range: range } });
    const mid = await get('bytes=2-4');
    assert.equal(mid.status, 206);
    assert.equal(mid.headers.get('content-range'), 'bytes 2-4/10');
    assert.equal(await mid.text(), '234');
    assert.equal(await (await get('bytes=-3')).text(), '789');
    assert.equal(await (await get('bytes=7-')).text(), '789');
    assert.equal((await get('bytes=10-')).status, 416);
  });

  it('is found by the client through process.env.STORAGE_EMULATOR_HOST alone', async () => {
    const saved = process.env.STORAGE_EMULATOR_HOST;
    process.env.STORAGE_EMULATOR_HOST = gcs.url;
    try {
      const mark = gcs.requestLog.length;
      const file = new Storage().bucket('env').file('hello.txt');
      await file.save('hi', { resumable: false });
      assert.equal((await file.download())[0].toString(), 'hi');
      await file.setMetadata({ metadata: { checked: 'yes' } });
      assert.equal(gcs.getObject('env', 'hello.txt')?.metageneration, '2');
      await file.delete();
      // The library drops /storage/v1 for JSON calls under the variable, and keeps it for uploads.
      assert.deepEqual(
        gcs.requestLog.slice(mark).map((r) => `${r.method} ${r.path} ${r.status}`),
        ['POST /upload/storage/v1/b/env/o 200', 'GET /b/env/o/hello.txt 200', 'PATCH /b/env/o/hello.txt 200', 'DELETE /b/env/o/hello.txt 204'],
      );
    } finally {
      if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
      else process.env.STORAGE_EMULATOR_HOST = saved;
    }
  });

  it('lets the client validate downloads: corrupted bytes are caught', async () => {
    const store = new GcsStore(createStorageClient({ STORAGE_EMULATOR_HOST: gcs.url }), 'val', '');
    await store.write('x.bin', 'original');
    gcs.getObject('val', 'x.bin')!.data = Buffer.from('tampered');
    await assert.rejects(store.read('x.bin'), /gs:\/\/val\/x\.bin: The downloaded data did not match/);
  });

  it('resumes a chunked upload after a failed chunk (status query, then the rest)', async () => {
    const store = new GcsStore(createStorageClient({ STORAGE_EMULATOR_HOST: gcs.url }), 'retry', '', {
      resumableThreshold: 0,
      chunkSize: 256 * KiB,
    });
    const data = randomBytes(700 * KiB);
    gcs.failNext({ method: 'PUT', path: /upload_id=/ }, 503);
    const mark = gcs.requestLog.length;
    // ifAbsent makes the upload idempotent, so the library is allowed to retry it.
    await store.write('resumed.bin', data, { ifAbsent: true });
    assert.ok(gcs.getObject('retry', 'resumed.bin')!.data.equals(data));
    const puts = gcs.requestLog.slice(mark).filter((r) => r.method === 'PUT');
    assert.equal(puts[0]?.status, 503);
    assert.equal(puts.at(-1)?.status, 200);
  });

  it('notifies finalized objects and honours autoCreateBuckets: false', async () => {
    const strict = await startGcsServer({ autoCreateBuckets: false });
    try {
      const seen: StoredObject[] = [];
      strict.onFinalize((o) => seen.push(o));
      // Creating a bucket is the one call that needs a project.
      const client = createStorageClient({ STORAGE_EMULATOR_HOST: strict.url, GOOGLE_CLOUD_PROJECT: 'test-project' });
      const store = new GcsStore(client, 'input-bucket', 'sessions');
      await assert.rejects(store.write('s1/_READY', ''), NotFoundError);
      await client.createBucket('input-bucket');
      await store.write('s1/_READY', '');
      assert.deepEqual(seen.map((o) => `${o.bucket}/${o.name}`), ['input-bucket/sessions/s1/_READY']);
    } finally {
      await strict.close();
    }
  });

  it('verifies V4 signatures and expiry', async () => {
    const account = testServiceAccount();
    const signers = new Map([[account.client_email, account.publicKey]]);
    const client = createStorageClient({ STORAGE_EMULATOR_HOST: gcs.url }, { credentials: account });
    const url = new URL(await new GcsStore(client, 'sig', '').signedUrl('a b/ç.txt', 60));
    assert.equal(url.pathname, '/sig/a%20b/%C3%A7.txt');
    const headers = { host: url.host };
    assert.equal(checkV4Signature('GET', url.pathname, url.searchParams, headers, signers), undefined);
    assert.equal(checkV4Signature('PUT', url.pathname, url.searchParams, headers, signers)?.code, 'SignatureDoesNotMatch');
    assert.equal(checkV4Signature('GET', '/sig/other.txt', url.searchParams, headers, signers)?.code, 'SignatureDoesNotMatch');
    const later = new Date(Date.now() + 61_000);
    assert.equal(checkV4Signature('GET', url.pathname, url.searchParams, headers, signers, later)?.code, 'ExpiredToken');
    assert.equal(checkV4Signature('GET', url.pathname, url.searchParams, headers, new Map())?.code, 'SignatureDoesNotMatch');
  });
});
