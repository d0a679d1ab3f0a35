import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import JSZip from 'jszip';
import { FileStore } from '../../../lib/storage/file.js';
import { buildZip } from '../../../job/stages/archive.js';
import { safeFileName } from '../../../lib/contracts/session.js';
import { uploadOutputs } from '../../../job/stages/upload.js';
import { renderOutputs, writeRendered } from '../../../job/stages/render.js';
import { sampleTranscript } from '../writers/fixture.js';

const run = promisify(execFile);

describe('archive stage', () => {
  const t = sampleTranscript();
  const files = renderOutputs(t);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jdr-archive-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('zips in-memory files into a folder named after the session; unzip -t agrees', async () => {
    const zipPath = join(dir, 'memory.zip');
    const size = await buildZip(files, zipPath, { folder: t.session });
    assert.equal(size, (await stat(zipPath)).size);
    const { stdout } = await run('unzip', ['-t', zipPath]);
    assert.match(stdout, /No errors detected/);
    const zip = await JSZip.loadAsync(await readFile(zipPath));
    const names = Object.values(zip.files).filter((f) => !f.dir).map((f) => f.name).sort();
    assert.deepEqual(names, files.map((f) => `${t.session}/${f.name}`).sort());
    assert.equal(await zip.file(`${t.session}/transcript.srt`)!.async('string'), files.find((f) => f.name === 'transcript.srt')!.content);
    // Text compresses: DEFLATE was used.
    assert.ok(size < files.reduce((n, f) => n + Buffer.byteLength(f.content), 0));
  });

  it('zips files from disk, streaming them', async () => {
    const outDir = join(dir, 'rendered');
    const paths = await writeRendered(files, outDir);
    const big = join(dir, 'big.json');
    await writeFile(big, JSON.stringify({ words: Array.from({ length: 200_000 }, (_, i) => ({ word: `mot${i}`, start: i })) }));
    const zipPath = join(dir, 'disk.zip');
    await buildZip([...paths, big], zipPath, { folder: 'Séance 12: la crypte' });
    const { stdout } = await run('unzip', ['-t', zipPath]);
    assert.match(stdout, /No errors detected/);
    const listing = (await run('unzip', ['-Z1', zipPath])).stdout.trim().split('\n').filter((n) => !n.endsWith('/')).sort();
    assert.deepEqual(listing, [...files.map((f) => f.name), 'big.json'].map((n) => `Séance 12_ la crypte/${n}`).sort());
    const zip = await JSZip.loadAsync(await readFile(zipPath));
    assert.equal(await zip.file('Séance 12_ la crypte/big.json')!.async('string'), await readFile(big, 'utf8'));
  });

  it('refuses duplicate or nested names and leaves no partial zip', async () => {
    const zipPath = join(dir, 'bad.zip');
    await assert.rejects(buildZip([{ name: 'a.txt', content: 'x' }, { name: 'a.txt', content: 'y' }], zipPath, { folder: 's' }), /two files named "a\.txt"/);
    await assert.rejects(buildZip([{ name: 'x/a.txt', content: 'x' }], zipPath, { folder: 's' }), /plain file name/);
    await assert.rejects(buildZip([join(dir, 'missing.txt')], zipPath, { folder: 's' }), /Cannot archive .*missing\.txt: ENOENT/);
    // A source that fails while being read (a folder passes the existence check) fails the zip instead of hanging it.
    await assert.rejects(buildZip([{ name: 'a.txt', content: 'x' }, dir], zipPath, { folder: 's' }), /Cannot archive .*EISDIR/);
    await assert.rejects(stat(zipPath), /ENOENT/);
  });

  it('makes folder names safe', () => {
    assert.equal(safeFileName('a/b\\c:d*e?"f"<g>|h'), 'a_b_c_d_e_f_g_h');
    assert.equal(safeFileName('../..'), '_..');
    assert.equal(safeFileName(' \t'), 'session');
  });

  it('uploads every output and the zip with their content types, returning their URIs', async () => {
    const outDir = join(dir, 'upload-src');
    await writeRendered(files, outDir);
    await buildZip(files, join(outDir, `${safeFileName(t.session)}.zip`), { folder: t.session });
    const store = new FileStore(join(dir, 'bucket')).child('sessions/s1/run-1');
    const uploaded = await uploadOutputs(store, outDir);
    assert.equal(uploaded.length, files.length + 1);
    const byName = new Map(uploaded.map((u) => [u.name, u]));
    assert.equal(byName.get("2024-05-03 Campagne d'Éther.zip")!.contentType, 'application/zip');
    assert.equal(byName.get('transcript.vtt')!.contentType, 'text/vtt; charset=utf-8');
    assert.equal(byName.get('transcript.srt')!.contentType, 'application/x-subrip; charset=utf-8');
    for (const u of uploaded) {
      assert.equal(u.uri, store.uriOf(u.name));
      assert.equal((await store.stat(u.name))!.size, u.size);
    }
    assert.equal((await store.read('transcript.md')).toString('utf8'), files[0]!.content);
  });

  it('uploads an explicit list and stops when aborted', async () => {
    const outDir = join(dir, 'upload-list');
    const paths = await writeRendered(files.slice(0, 2), outDir);
    const store = new FileStore(join(dir, 'bucket2'));
    assert.deepEqual((await uploadOutputs(store, paths)).map((u) => u.name), ['transcript.md', 'transcript.txt']);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(uploadOutputs(store, paths, { signal: controller.signal }), { name: 'AbortedError' });
  });
});
