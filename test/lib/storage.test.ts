/**
 * One contract, two Stores: every case runs against FileStore (temp dir) and GcsStore (the real
 * @google-cloud/storage client talking to the loopback GCS server). GCS-only behaviour follows the contract.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { Storage } from '@google-cloud/storage';
import { ConfigError, TransientError } from '../../lib/errors.js';
import { createStorageClient } from '../../lib/storage/gcs-client.js';
import { checkWritable, FileStore, GcsStore, joinKey, NotFoundError, openStore, PreconditionFailedError, type Store } from '../../lib/storage/index.js';

const run = promisify(execFile);
import { requires } from '../support/requires.js';
import { startGcsServer, testServiceAccount, type GcsServer } from '../integration/gcs-server.js';

const MiB = 1024 * 1024;
const account = testServiceAccount();
let scratch: string;
let gcs: GcsServer;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'storage-test-'));
  // pageSize 2 makes every list below paginate.
  gcs = await startGcsServer({ pageSize: 2, signers: [account] });
});
after(async () => {
  await gcs.close();
  await rm(scratch, { recursive: true, force: true });
});

function gcsStore(prefix = 'root/prefix'): GcsStore {
  const client = createStorageClient({ STORAGE_EMULATOR_HOST: gcs.url }, { credentials: account });
  // Small thresholds so that a 3 MiB file takes the resumable, chunked path.
  return new GcsStore(client, 'contract-bucket', prefix, { resumableThreshold: MiB, chunkSize: 256 * 1024 });
}

const backends: { name: string; open: () => Store }[] = [
  { name: 'FileStore', open: () => new FileStore(join(scratch, 'file-store')) },
  { name: 'GcsStore', open: () => gcsStore() },
];

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

for (const backend of backends) {
  describe(`Store contract: ${backend.name}`, () => {
    const store = (name: string) => backend.open().child(name);

    it('writes, reads and stats; a missing key reads as NotFoundError and stats as undefined', async () => {
      const s = store('basics');
      const info = await s.write('notes/a.txt', 'héllo');
      assert.equal(info.key, 'notes/a.txt');
      assert.equal(info.size, Buffer.byteLength('héllo'));
      assert.equal((await s.read('notes/a.txt')).toString(), 'héllo');
      const stat = await s.stat('notes/a.txt');
      assert.equal(stat?.key, 'notes/a.txt');
      assert.equal(stat?.size, 6);
      assert.match(stat?.generation ?? '', /^\d+$/);
      await s.write('notes/a.txt', Buffer.from([0, 1, 2]));
      assert.deepEqual([...(await s.read('notes/a.txt'))], [0, 1, 2]);
      assert.equal(await s.stat('notes/missing.txt'), undefined);
      const err = await s.read('notes/missing.txt').catch((e: unknown) => e);
      assert.ok(err instanceof NotFoundError, String(err));
      assert.equal(err.uri, s.uriOf('notes/missing.txt'));
    });

    it('lists recursively, sorted by key, under an optional sub-prefix', async () => {
      const s = store('listing');
      const keys = ['b/2.txt', 'a.txt', 'bb/x.txt', 'b/sub/x.txt', 'B.txt', 'b/1.txt', 'a-b.txt', 'c'];
      for (const key of keys) await s.write(key, key);
      const all = await s.list();
      assert.deepEqual(all.map((o) => o.key), ['B.txt', 'a-b.txt', 'a.txt', 'b/1.txt', 'b/2.txt', 'b/sub/x.txt', 'bb/x.txt', 'c']);
      assert.deepEqual(all.map((o) => o.size), all.map((o) => o.key.length));
      assert.deepEqual((await s.list('b')).map((o) => o.key), ['b/1.txt', 'b/2.txt', 'b/sub/x.txt']);
      assert.deepEqual((await s.list('b/sub/')).map((o) => o.key), ['b/sub/x.txt']);
      assert.deepEqual(await s.list('nothing-here'), []);
    });

    it('roots child stores under the parent, with URIs to match', async () => {
      const s = store('children');
      const c = s.child('x/y');
      assert.equal(c.uri, `${s.uri}x/y/`);
      assert.equal(c.uriOf('k.txt'), s.uriOf('x/y/k.txt'));
      await c.write('k.txt', 'child');
      await c.child('z').write('deep.txt', 'deeper');
      assert.equal((await s.read('x/y/k.txt')).toString(), 'child');
      assert.deepEqual((await c.list()).map((o) => o.key), ['k.txt', 'z/deep.txt']);
      assert.deepEqual((await s.list()).map((o) => o.key), ['x/y/k.txt', 'x/y/z/deep.txt']);
    });

    it('creates only once with ifAbsent (write and upload)', async () => {
      const s = store('if-absent');
      await s.write('claim.json', '{"by":1}', { ifAbsent: true });
      const err = await s.write('claim.json', '{"by":2}', { ifAbsent: true }).catch((e: unknown) => e);
      assert.ok(err instanceof PreconditionFailedError, String(err));
      assert.equal(err.uri, s.uriOf('claim.json'));
      assert.equal((await s.read('claim.json')).toString(), '{"by":1}');
      const local = join(scratch, `${backend.name}-claim.json`);
      await writeFile(local, '{"by":3}');
      await assert.rejects(s.upload(local, 'claim.json', { ifAbsent: true }), PreconditionFailedError);
      assert.equal((await s.read('claim.json')).toString(), '{"by":1}');
    });

    it('uploads a multi-MB file with growing progress, then downloads and streams it back', async () => {
      const s = store('big');
      const data = randomBytes(3 * MiB + 123);
      const local = join(scratch, `${backend.name}-big.bin`);
      await writeFile(local, data);
      const progress: number[] = [];
      const info = await s.upload(local, 'audio/session.wav', { onProgress: (n) => progress.push(n), contentType: 'audio/wav' });
      assert.equal(info.size, data.length);
      assert.ok(progress.length > 1, `progress reported ${progress.length} time(s)`);
      assert.ok(progress.every((n, i) => i === 0 || n > progress[i - 1]!), 'progress only grows');
      assert.equal(progress.at(-1), data.length);

      const copy = join(scratch, `${backend.name}-download`, 'nested', 'copy.bin');
      await s.download('audio/session.wav', copy);
      assert.ok((await readFile(copy)).equals(data));
      assert.ok((await collect(s.createReadStream('audio/session.wav'))).equals(data));
    });

    it('refuses to download a missing key and leaves no file behind', async () => {
      const s = store('missing-download');
      const target = join(scratch, `${backend.name}-missing`, 'out.bin');
      await assert.rejects(s.download('nope.bin', target), NotFoundError);
      assert.equal(existsSync(target), false);
    });

    it('fails a read stream of a missing key with NotFoundError', async () => {
      await assert.rejects(collect(store('missing-stream').createReadStream('nope.bin')), NotFoundError);
    });

    it('deletes, and deleting again is fine', async () => {
      const s = store('delete');
      await s.write('gone.txt', 'x');
      await s.delete('gone.txt');
      assert.equal(await s.stat('gone.txt'), undefined);
      await s.delete('gone.txt');
      await assert.rejects(s.read('gone.txt'), NotFoundError);
    });

    it('reads at most maxBytes when asked, and an empty object as empty', async () => {
      const s = store('bounded');
      await s.write('big.txt', 'x'.repeat(10_000));
      assert.equal((await s.read('big.txt', { maxBytes: 100 })).length, 100);
      assert.equal((await s.read('big.txt', { maxBytes: 20_000 })).length, 10_000);
      await s.write('empty', '');
      assert.equal((await s.read('empty', { maxBytes: 100 })).length, 0);
    });

    it('an upload whose source fails halfway leaves no object, not a truncated one', async () => {
      const s = store('failed-upload');
      // A folder reads as an error after it opens: the failure lands mid-transfer, like a full disk.
      const broken = join(scratch, `${backend.name}-not-a-file`);
      await mkdir(broken, { recursive: true });
      await assert.rejects(s.upload(broken, 'transcript.json'));
      assert.equal(await s.stat('transcript.json'), undefined);
      assert.deepEqual((await s.list()).map((o) => o.key), []);
    });

    it('takes a write check: a probe object written and removed', async () => {
      const s = store('write-check');
      await checkWritable(s);
      assert.deepEqual(await s.list(), []);
    });

    it('refuses keys that climb out of the store with ".."', async () => {
      const s = store('escape');
      assert.throws(() => s.uriOf('a/../../etc/passwd'), /\.\./);
      assert.throws(() => s.child('..'), /\.\./);
      await assert.rejects(s.read('../outside.txt'), /\.\./);
      await assert.rejects(s.write('a/../../outside.txt', 'x'), /\.\./);
    });
  });
}

describe('FileStore specifics', () => {
  it('never shows a half-written file: writes land under a temporary name and are renamed', async () => {
    const s = new FileStore(join(scratch, 'atomic'));
    await s.write('a.json', '{"v":1}');
    await s.write('a.json', '{"v":2}');
    assert.equal((await s.read('a.json')).toString(), '{"v":2}');
    assert.deepEqual(await readdir(join(scratch, 'atomic')), ['a.json'], 'no temporary file left beside it');
  });

  it('names the real cause when the output cannot be written: a file in the path', async () => {
    await writeFile(join(scratch, 'plain-file'), 'x');
    await assert.rejects(checkWritable(new FileStore(join(scratch, 'plain-file', 'out'))), (e: unknown) => e instanceof ConfigError && /plain-file: part of the path is a file, not a folder/.test(e.message));
  });

  it('names the real cause when the output cannot be written: a read-only file system (not ENOENT)', async (t) => {
    const probe = await run('unshare', ['-m', 'true']).then(() => true, () => false);
    if (!requires(t, probe, 'unshare -m as root (to mount a read-only folder)')) return;
    const dir = join(scratch, 'read-only');
    await mkdir(dir, { recursive: true });
    const script = `import { checkWritable, FileStore } from ${JSON.stringify(pathToFileURL(resolve('lib/storage/index.ts')).href)};
      try { await checkWritable(new FileStore(${JSON.stringify(join(dir, 'sessions', 'out'))})); console.log('written'); } catch (e) { console.log(e.message); }`;
    const { stdout } = await run('unshare', ['-m', 'sh', '-c', `mount --bind "${dir}" "${dir}" && mount -o remount,bind,ro "${dir}" && "${process.execPath}" --import tsx --input-type=module -e '${script.replace(/'/g, "'\\''")}'`]);
    assert.match(stdout, /cannot be written to: .*the file system is read-only/);
    assert.doesNotMatch(stdout, /ENOENT/);
  });
});

describe('joinKey', () => {
  it('joins with single slashes and drops "." segments', () => {
    assert.equal(joinKey('a/', '/b', './c', ''), 'a/b/c');
    assert.equal(joinKey(''), '');
  });
  it('refuses ".." anywhere', () => {
    assert.throws(() => joinKey('a', '../b'), /Refusing a path with "\.\."/);
    assert.throws(() => joinKey('..'), /\.\./);
  });
});

describe('GcsStore specifics', () => {
  it('keeps content type, custom metadata and md5', async () => {
    const s = gcsStore('specifics');
    const info = await s.write('report.json', '{}', { contentType: 'application/json', metadata: { run: 'r1' } });
    assert.equal(info.contentType, 'application/json');
    const stat = await s.stat('report.json');
    assert.equal(stat?.contentType, 'application/json');
    assert.deepEqual(stat?.metadata, { run: 'r1' });
    assert.equal(stat?.md5, createHash('md5').update('{}').digest('base64'));
    assert.equal(stat?.generation, info.generation);
    assert.equal(gcs.getObject('contract-bucket', 'specifics/report.json')?.data.toString(), '{}');
  });

  it('sends small writes in one multipart request and large ones through a resumable session', async () => {
    const s = gcsStore('upload-paths');
    const mark = gcs.requestLog.length;
    await s.write('small.txt', 'x');
    await s.write('large.bin', randomBytes(MiB + 1));
    const uploads = gcs.requestLog.slice(mark).filter((r) => r.path.startsWith('/upload/'));
    assert.deepEqual(
      uploads.map((r) => `${r.method} ${r.query.uploadType} ${r.status}`),
      // 1 MiB + 1 byte in 256 KiB chunks: four incomplete (308) and the final byte.
      ['POST multipart 200', 'POST resumable 200', ...Array(4).fill('PUT resumable 308'), 'PUT resumable 200'],
    );
    await assert.rejects(s.write('large.bin', randomBytes(MiB + 1), { ifAbsent: true }), PreconditionFailedError);
  });

  it('signs V4 read URLs that the server accepts, and refuses more than 7 days', async () => {
    const s = gcsStore('signed');
    await s.write('s1/session.zip', 'zip bytes');
    const url = new URL(await s.signedUrl('s1/session.zip', 3600));
    assert.equal(url.origin, gcs.url);
    assert.equal(url.pathname, '/contract-bucket/signed/s1/session.zip');
    const q = url.searchParams;
    assert.equal(q.get('X-Goog-Algorithm'), 'GOOG4-RSA-SHA256');
    assert.match(q.get('X-Goog-Credential') ?? '', new RegExp(`^${account.client_email}/\\d{8}/auto/storage/goog4_request$`));
    assert.match(q.get('X-Goog-Date') ?? '', /^\d{8}T\d{6}Z$/);
    assert.equal(q.get('X-Goog-Expires'), '3600');
    assert.equal(q.get('X-Goog-SignedHeaders'), 'host');
    assert.match(q.get('X-Goog-Signature') ?? '', /^[0-9a-f]{512}$/);

    const ok = await fetch(url);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'zip bytes');
    q.set('X-Goog-Expires', '7200');
    assert.equal((await fetch(url)).status, 403, 'a tampered URL is refused');

    assert.match(await s.signedUrl('s1/session.zip', 7 * 24 * 3600), /X-Goog-Expires=604800/);
    for (const bad of [7 * 24 * 3600 + 1, 0, 1.5]) {
      await assert.rejects(s.signedUrl('s1/session.zip', bad), /7 days/);
    }
  });

  it('maps other failures to errors naming the gs:// URI, transient ones to TransientError', async () => {
    const s = gcsStore('failures');
    await s.write('x.txt', 'x');
    gcs.failNext({ method: 'GET', path: 'failures%2Fx.txt' }, 403);
    await assert.rejects(s.read('x.txt'), (err: Error) => !(err instanceof NotFoundError) && err.message.includes('gs://contract-bucket/failures/x.txt'));
    const noRetry = new Storage({ apiEndpoint: gcs.url, retryOptions: { autoRetry: false } });
    gcs.failNext({ method: 'GET', path: 'failures%2Fx.txt' }, 503);
    await assert.rejects(new GcsStore(noRetry, 'contract-bucket', 'failures').read('x.txt'), TransientError);
  });
});

describe('openStore and createStorageClient', () => {
  it('opens gs://, file:// and plain paths', () => {
    const client = createStorageClient({ STORAGE_EMULATOR_HOST: gcs.url });
    const g = openStore('gs://bucket-1/sessions/s1', { gcs: client });
    assert.ok(g instanceof GcsStore);
    assert.equal(g.uri, 'gs://bucket-1/sessions/s1/');
    assert.equal(openStore('gs://bucket-1', { gcs: client }).uri, 'gs://bucket-1/');
    assert.throws(() => openStore('gs://', { gcs: client }), /names no bucket/);
    assert.throws(() => openStore('gs://bucket-1/x'), /needs a Cloud Storage client/);
    assert.throws(() => openStore('gs://Not_A_Bucket/x', { gcs: client }), /not a valid bucket name/);
    const dir = join(scratch, 'opened');
    const f = openStore(pathToFileURL(dir).href);
    assert.ok(f instanceof FileStore);
    assert.equal(f.uri, `${pathToFileURL(dir).href}/`);
    const plain = openStore('relative/dir');
    assert.ok(plain instanceof FileStore);
    assert.equal(plain.root, resolve('relative/dir'));
    assert.throws(() => openStore('s3://bucket/x'), /Unsupported location/);
  });

  it('validates STORAGE_EMULATOR_HOST and credentials, naming what to fix', () => {
    for (const bad of ['localhost:4443', 'ftp://127.0.0.1:1', 'http://127.0.0.1:1/storage/v1']) {
      assert.throws(
        () => createStorageClient({ STORAGE_EMULATOR_HOST: bad }),
        (err: Error) => err instanceof ConfigError && err.message.includes('STORAGE_EMULATOR_HOST') && err.message.includes('http://'),
      );
    }
    assert.throws(() => createStorageClient({}, { credentials: { client_email: 'nobody', private_key: 'x' } }), /client_email[\s\S]*private_key/);
    assert.equal(createStorageClient({ STORAGE_EMULATOR_HOST: `${gcs.url}/` }).apiEndpoint, gcs.url);
    if (!process.env.STORAGE_EMULATOR_HOST) assert.equal(createStorageClient({}).apiEndpoint, 'https://storage.googleapis.com');
  });
});
