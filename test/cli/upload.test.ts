import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { uploadSession } from '../../cli/upload.js';
import type { Progress } from '../../job/progress.js';
import { parseManifest } from '../../lib/contracts/manifest.js';
import { ConfigError, InputError } from '../../lib/errors.js';
import { createStorageClient } from '../../lib/storage/gcs-client.js';
import { FileStore, GcsStore } from '../../lib/storage/index.js';
import { startGcsServer, type GcsServer } from '../integration/gcs-server.js';

const root = mkdtempSync(join(tmpdir(), 'jdr-upload-'));
let gcs: GcsServer;
before(async () => {
  gcs = await startGcsServer();
});
after(async () => {
  await gcs.close();
  rmSync(root, { recursive: true, force: true });
});

/** A session folder as a group leaves it: recordings, a stray file, a context with voice samples (one missing). */
function sessionDir(name: string, sizes: Record<string, number> = { 'part-2.mp3': 3000, 'part-10.m4a': 700_000, 'part-1.m4a': 5000 }): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'context', 'voices'), { recursive: true });
  for (const [file, size] of Object.entries(sizes)) writeFileSync(join(dir, file), Buffer.alloc(size, 7));
  writeFileSync(join(dir, 'notes.txt'), 'todo');
  writeFileSync(join(dir, '.DS_Store'), 'x');
  writeFileSync(join(dir, 'context', 'context.yaml'), 'speakers:\n  - { id: alice, voice_samples: [voices/alice.wav, voices/bob.wav] }\n');
  writeFileSync(join(dir, 'context', 'voices', 'alice.wav'), Buffer.alloc(100));
  return dir;
}

function recordingProgress(): Progress & { fractions: number[]; stages: string[]; stopped: boolean } {
  const p = {
    fractions: [] as number[],
    stages: [] as string[],
    stopped: false,
    stage: (name: string) => void p.stages.push(name),
    update: (f: number) => void p.fractions.push(f),
    stop: () => void (p.stopped = true),
  };
  return p;
}

describe('upload command', () => {
  it('uploads recordings and context to gs://, then _READY last, listing every file with its size', async () => {
    const dir = sessionDir('s-gcs');
    const order: string[] = [];
    const stop = gcs.onFinalize((o) => order.push(o.name));
    const store = new GcsStore(createStorageClient({ STORAGE_EMULATOR_HOST: gcs.url }), 'jdr-input', '', { resumableThreshold: 256 * 1024, chunkSize: 256 * 1024 });
    const progress = recordingProgress();
    const result = await uploadSession(dir, { session: 'Séance 12', to: ['alice@club.example'] }, store, progress);
    stop();

    assert.equal(result.uri, 'gs://jdr-input/sessions/Séance 12/');
    assert.deepEqual(result.files, [
      { name: 'part-1.m4a', size: 5000 },
      { name: 'part-2.mp3', size: 3000 },
      { name: 'part-10.m4a', size: 700_000 },
    ]);
    assert.deepEqual(result.skipped, ['notes.txt']);
    assert.match(result.warnings.join(), /voices\/bob\.wav not found/);
    assert.equal(order.at(-1), 'sessions/Séance 12/_READY', 'the marker is written last');
    assert.deepEqual(order.slice(0, -1).sort(), ['part-1.m4a', 'part-10.m4a', 'part-2.mp3', 'context/context.yaml', 'context/voices/alice.wav'].map((k) => `sessions/Séance 12/${k}`).sort());
    assert.equal(gcs.getObject('jdr-input', 'sessions/Séance 12/part-10.m4a')?.data.length, 700_000);
    assert.equal(gcs.getObject('jdr-input', 'sessions/Séance 12/part-1.m4a')?.contentType, 'audio/mp4');

    const { manifest } = parseManifest(gcs.getObject('jdr-input', 'sessions/Séance 12/_READY')!.data.toString());
    assert.deepEqual(manifest.recipients, ['alice@club.example']);
    assert.equal(manifest.context, 'context/context.yaml');
    assert.deepEqual(manifest.files, result.files);

    assert.deepEqual(progress.stages, ['upload']);
    assert.ok(progress.stopped);
    assert.ok(progress.fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= progress.fractions[i - 1]! - 1e-9)), `monotonic: ${progress.fractions.join(' ')}`);
    assert.equal(progress.fractions.at(-1), 1);
    assert.ok(progress.fractions.length > 5, 'the large file reports progress while it goes');
  });

  it('takes --context from anywhere, and reports audio already in the folder that this upload did not bring', async () => {
    const dir = sessionDir('s-file', { 'a.wav': 10 });
    rmSync(join(dir, 'context'), { recursive: true });
    const ctx = join(root, 'elsewhere.yaml');
    writeFileSync(ctx, 'glossary: {places: [Port-Sombre]}\n');
    const store = new FileStore(join(root, 'bucket'));
    await store.write('sessions/s/old.m4a', 'stale');
    const result = await uploadSession(dir, { session: 's', context: ctx }, store, recordingProgress());
    assert.deepEqual(result.alreadyThere, ['old.m4a']);
    assert.equal((await store.read('sessions/s/context/context.yaml')).toString(), 'glossary: {places: [Port-Sombre]}\n');
    const { manifest } = parseManifest((await store.read('sessions/s/_READY')).toString());
    assert.deepEqual(manifest.recipients, []);
    assert.equal(manifest.context, 'context/context.yaml');
    assert.equal(manifest.recap, undefined, 'the deployment decides');
    await uploadSession(dir, { session: 's', context: ctx, recap: true }, store, recordingProgress());
    assert.equal(parseManifest((await store.read('sessions/s/_READY')).toString()).manifest.recap, true, '--recap asks for it');
  });

  it('refuses bad arguments, an empty folder and a broken context before uploading anything', async () => {
    const store = new FileStore(join(root, 'refused'));
    const dir = sessionDir('s-bad', { 'a.wav': 10 });
    await assert.rejects(uploadSession(dir, { session: '../x', to: ['not-an-address'] }, store, recordingProgress()), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /--session: "\.\.\/x" is not a usable session name[\s\S]*--to: "not-an-address" is not an email address/);
      return true;
    });
    const empty = join(root, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'x');
    await assert.rejects(uploadSession(empty, { session: 's' }, store, recordingProgress()), (err: unknown) => err instanceof InputError && /No recording in/.test(err.message));
    await assert.rejects(uploadSession(join(root, 'missing'), { session: 's' }, store, recordingProgress()), /Cannot read the session folder/);
    writeFileSync(join(dir, 'context', 'context.yaml'), 'speakers: [ {id: a');
    await assert.rejects(uploadSession(dir, { session: 's' }, store, recordingProgress()), /context\.yaml is not valid YAML/);
    assert.deepEqual(await store.list(), []);
  });
});
