import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import JSZip from 'jszip';
import { unzipRecordings } from '../../../job/stages/unzip.js';
import { fetchSession } from '../../../job/stages/fetch.js';
import { ffmpegTools } from '../../../job/engines/ffmpeg.js';
import { FileStore } from '../../../lib/storage/file.js';
import { InputError } from '../../../lib/errors.js';
import { dialogueWav, encodeAs, scratchDir } from '../../support/fixtures.js';

const tools = ffmpegTools();

async function zipOf(path: string, entries: Record<string, Buffer | string>, compression: 'STORE' | 'DEFLATE' = 'DEFLATE'): Promise<string> {
  const zip = new JSZip();
  for (const [name, data] of Object.entries(entries)) zip.file(name, data);
  writeFileSync(path, await zip.generateAsync({ type: 'nodebuffer', compression }));
  return path;
}

test('entries with "..", an absolute path or a drive letter are skipped by name; the others are unzipped', async () => {
  const dir = join(scratchDir(), 'unzip-names');
  mkdirSync(dir, { recursive: true });
  const zip = await zipOf(join(dir, 'craig.zip'), {
    '../evil.flac': 'x',
    '/etc/cron.d/evil': 'y',
    'C:/Windows/evil.dll': 'w',
    'a\\..\\..\\evil.txt': 'b',
    '1-alice.flac': 'alice',
    'sub/2-bob.flac': 'bob',
    '__MACOSX/._1-alice.flac': 'fork',
    '.DS_Store': 'junk',
  });
  const out = join(dir, 'out');
  const { files, skipped } = await unzipRecordings(zip, 'craig.zip', out);
  assert.deepEqual(files.map((f) => f.name), ['craig.zip/1-alice.flac', 'craig.zip/sub/2-bob.flac']);
  assert.deepEqual(files.map((f) => readFileSync(f.localPath, 'utf8')), ['alice', 'bob']);
  assert.deepEqual(
    skipped.map((s) => `${s.name}: ${s.reason}`),
    [
      'craig.zip/../evil.flac: points outside the zip (".." in its path); it was not unzipped',
      'craig.zip//etc/cron.d/evil: has an absolute path inside the zip; it was not unzipped',
      'craig.zip/C:/Windows/evil.dll: has an absolute path inside the zip; it was not unzipped',
      'craig.zip/a/../../evil.txt: points outside the zip (".." in its path); it was not unzipped',
    ],
  );
  // Nothing was written outside the destination.
  assert.deepEqual(readdirSync(dir).sort(), ['craig.zip', 'out']);
});

test('a zip that would unzip to more than 20 times its size (or the absolute bound) is refused, naming it', async () => {
  const dir = join(scratchDir(), 'unzip-bomb');
  mkdirSync(dir, { recursive: true });
  const bomb = await zipOf(join(dir, 'bomb.zip'), { '1-a.flac': Buffer.alloc(4 * 1024 * 1024) });
  await assert.rejects(unzipRecordings(bomb, 'bomb.zip', join(dir, 'out')), (e: unknown) => e instanceof InputError && /^bomb\.zip: its files would take 4 MB unzipped, more than 20 times the zip's size; unzip it yourself/.test(e.message));
  assert.deepEqual(readdirSync(dir), ['bomb.zip'], 'nothing unzipped');
  // Stored (uncompressed) entries pass the ratio; the absolute bound still holds.
  const stored = await zipOf(join(dir, 'stored.zip'), { '1-a.flac': Buffer.alloc(300_000, 1) }, 'STORE');
  await assert.rejects(unzipRecordings(stored, 'stored.zip', join(dir, 'out2'), { limits: { maxBytes: 200_000, ratio: 20, maxEntries: 10 } }), /stored\.zip: its files would take 293 KB unzipped, more than the 195 KB a session may hold/);
  const ok = await unzipRecordings(stored, 'stored.zip', join(dir, 'out3'), { limits: { maxBytes: 400_000, ratio: 20, maxEntries: 10 } });
  assert.equal(ok.files[0]!.size, 300_000);
});

test('an entry whose header lies about its size is stopped and skipped, and a count of entries is enforced', async () => {
  const dir = join(scratchDir(), 'unzip-lies');
  mkdirSync(dir, { recursive: true });
  const zip = await zipOf(join(dir, 'lies.zip'), { '1-a.flac': Buffer.alloc(100_000, 7), '2-b.flac': 'fine' });
  // Rewrite the first entry's declared size (central directory and local header) from 100,000 to 10 bytes.
  const bytes = readFileSync(zip);
  for (let i = 0; i + 4 < bytes.length; i++) {
    if (bytes.readUInt32LE(i) === 0x02014b50 && bytes.readUInt32LE(i + 24) === 100_000) bytes.writeUInt32LE(10, i + 24);
    if (bytes.readUInt32LE(i) === 0x04034b50 && bytes.readUInt32LE(i + 22) === 100_000) bytes.writeUInt32LE(10, i + 22);
  }
  writeFileSync(zip, bytes);
  const { files, skipped } = await unzipRecordings(zip, 'lies.zip', join(dir, 'out'));
  assert.deepEqual(files.map((f) => f.name), ['lies.zip/2-b.flac']);
  assert.equal(skipped.length, 1);
  assert.match(`${skipped[0]!.name}: ${skipped[0]!.reason}`, /^lies\.zip\/1-a\.flac: cannot be unzipped \(.*too many bytes/);
  assert.deepEqual(readdirSync(join(dir, 'out')).length, 1, 'the partial entry was removed');

  const many = await zipOf(join(dir, 'many.zip'), Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`${i + 1}-p.flac`, 'x'])));
  const capped = await unzipRecordings(many, 'many.zip', join(dir, 'out-many'), { limits: { maxBytes: 1e9, ratio: 20, maxEntries: 10 } });
  assert.equal(capped.files.length, 10);
  assert.match(capped.skipped.map((s) => s.reason).join(), /holds more than 10 files; only the first 10 were read/);
});

test('a session holding a Craig zip: its tracks are fetched, info.txt kept as text, bad entries skipped by name; a corrupt zip is skipped whole', async () => {
  const { wav } = await dialogueWav();
  const dir = join(scratchDir(), 'fetch-zip');
  mkdirSync(dir, { recursive: true });
  const flac = readFileSync(await encodeAs(wav, join(scratchDir(), 'fetch-zip-track.flac')));
  await zipOf(join(dir, 'craig-AbC123.flac.zip'), {
    '1-camille_mj.flac': flac,
    '2-alice_0.flac': flac,
    'info.txt': 'Recording AbC123\r\n\r\nTracks:\r\n\tCamille (camille_mj) (1111)\r\n\talice (2222)\r\n',
    '../3-eve.flac': flac,
    'notes.pdf': 'not audio',
  });
  writeFileSync(join(dir, 'broken.zip'), Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 1)]));
  const { files, skipped, infos, zips } = await fetchSession(new FileStore(dir), join(scratchDir(), 'fetch-zip-work'), tools);
  assert.deepEqual(files.map((f) => f.name), ['craig-AbC123.flac.zip/1-camille_mj.flac', 'craig-AbC123.flac.zip/2-alice_0.flac']);
  assert.ok(files.every((f) => f.probe.codec === 'flac'));
  assert.deepEqual(infos.map((i) => i.name), ['craig-AbC123.flac.zip/info.txt']);
  assert.match(infos[0]!.text, /Tracks:/);
  assert.deepEqual(zips, ['craig-AbC123.flac.zip']);
  const reasons = skipped.map((s) => `${s.name}: ${s.reason}`);
  assert.ok(reasons.some((r) => r.startsWith('broken.zip: not a readable zip')), reasons.join('\n'));
  assert.ok(reasons.some((r) => r.startsWith('craig-AbC123.flac.zip/../3-eve.flac: points outside the zip')), reasons.join('\n'));
  assert.ok(reasons.some((r) => r.startsWith('craig-AbC123.flac.zip/notes.pdf: not readable audio')), reasons.join('\n'));
});
