import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpegTools } from '../../job/engines/ffmpeg.js';
import { voiceSampleReader } from '../../job/context.js';
import { SampleUnavailable } from '../../job/diarize/voice-samples.js';
import { createStorageClient } from '../../lib/storage/gcs-client.js';
import { FileStore, GcsStore } from '../../lib/storage/index.js';
import { speak, TEST_VOICES } from '../support/espeak.js';
import { scratchDir } from '../support/fixtures.js';
import { startGcsServer, testServiceAccount, type GcsServer } from '../integration/gcs-server.js';

const account = testServiceAccount();
let gcs: GcsServer;
let wav: string;
before(async () => {
  gcs = await startGcsServer({ signers: [account] });
  gcs.createBucket('voices-bucket');
  const dir = join(scratchDir(), 'voice-reader', 'voices');
  mkdirSync(dir, { recursive: true });
  wav = join(dir, 'camille.wav');
  await speak('Je suis la meneuse de jeu.', TEST_VOICES[0]!, wav);
});
after(() => gcs.close());

const tools = ffmpegTools();

test('a local context reads samples relative to its folder, above it too', async () => {
  const root = join(scratchDir(), 'voice-reader');
  mkdirSync(join(root, 'context'), { recursive: true });
  const read = voiceSampleReader({ store: new FileStore(join(root, 'context')), key: 'context.yaml', explicit: true }, scratchDir(), tools);
  const samples = await read('../voices/camille.wav');
  assert.ok(samples instanceof Float32Array && samples.length > 16000, 'decoded to 16 kHz floats');
  await assert.rejects(read('voices/absent.wav'), (e: unknown) => e instanceof SampleUnavailable && e.kind === 'missing' && /no such file/.test(e.message));
  writeFileSync(join(root, 'context', 'not-audio.wav'), 'RIFF nothing');
  await assert.rejects(read('not-audio.wav'), (e: unknown) => e instanceof SampleUnavailable && e.kind === 'unreadable');
});

test('a context in a bucket: samples downloaded beside it; a path leaving its folder is refused, a missing one named', async () => {
  const store = new GcsStore(createStorageClient({ STORAGE_EMULATOR_HOST: gcs.url }, { credentials: account }), 'voices-bucket', 'sessions/s1');
  await store.write('context/voices/camille.wav', readFileSync(wav));
  const work = join(scratchDir(), 'voice-reader-work');
  const read = voiceSampleReader({ store, key: 'context/context.yaml', explicit: false }, work, tools);
  const samples = await read('voices/camille.wav');
  assert.ok(samples instanceof Float32Array && samples.length > 16000);
  await assert.rejects(read('../../other-session/voice.wav'), (e: unknown) => e instanceof SampleUnavailable && e.kind === 'outside' && /outside the folder of context\.yaml/.test(e.message));
  await assert.rejects(read('/etc/voice.wav'), (e: unknown) => e instanceof SampleUnavailable && e.kind === 'outside');
  await assert.rejects(
    read('voices/hugo.wav'),
    (e: unknown) => e instanceof SampleUnavailable && e.kind === 'missing' && /gs:\/\/voices-bucket\/sessions\/s1\/context\/voices\/hugo\.wav was not found/.test(e.message),
  );
});

test('without a context file there is nothing to read samples beside', async () => {
  await assert.rejects(voiceSampleReader(undefined, scratchDir(), tools)('voices/a.wav'), SampleUnavailable);
});

test('context.yaml is read with a bound: a 5 MB file costs 1 MB of reading and a warning naming the limit', async () => {
  const { loadContext } = await import('../../job/context.js');
  const dir = join(scratchDir(), 'big-context');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'context.yaml'), 'glossary:\n  terms:\n' + '    - un terme\n'.repeat(400_000));
  const store = new FileStore(dir);
  const reads: number[] = [];
  const read = store.read.bind(store);
  store.read = async (key, options) => {
    const bytes = await read(key, options);
    reads.push(bytes.length);
    return bytes;
  };
  const { context, warnings } = await loadContext({ store, key: 'context.yaml', explicit: true });
  assert.deepEqual(context.glossary.terms, []);
  assert.match(warnings[0] ?? '', /context\.yaml is larger than 1\.0 MB, the most it may hold[\s\S]*transcribed without its context/);
  assert.deepEqual(reads, [1024 * 1024 + 1]);
});
