/**
 * The neural path with a model the test builds (test/support/onnx-embedder-model.py: RMS of each fbank bin over time,
 * then a fixed random projection to 192 values). It checks the plumbing — features, tensor layout, batching,
 * output slicing, errors — against the same computation done here by hand; it says nothing of embedding quality.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../lib/errors.js';
import { PcmFile } from '../../../job/audio/pcm.js';
import { l2normalize } from '../../../job/engines/embedder.js';
import { OnnxSpeakerEmbedder } from '../../../job/engines/embedder-onnx.js';
import { Fbank, meanNormalize } from '../../../job/engines/fbank.js';
import { diarize } from '../../../job/diarize/diarize.js';
import { pythonWith, runPython } from '../../support/python.js';
import { requires } from '../../support/requires.js';
import { rpgSession, truthRegions, writeSessionPcm } from '../../support/rpg-session.js';

let dir = '';
let python: string | undefined;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'onnx-embedder-'));
  python = await pythonWith(['onnx', 'numpy']);
  if (!python) return;
  await runPython(python, ['test/support/onnx-embedder-model.py', join(dir, 'model.onnx'), '--weights', join(dir, 'weights.f32')]);
  await runPython(python, ['test/support/onnx-embedder-model.py', join(dir, 'bins40.onnx'), '--bins', '40']);
});
after(() => rm(dir, { recursive: true, force: true }));

const needs = 'python3 with onnx and numpy (apt-get install python3-onnx python3-numpy)';

function speechLike(seconds: number, hz: number): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * 16000) }, (_, i) => {
    const t = i / 16000;
    return 0.3 * Math.sin(2 * Math.PI * hz * t) * (1 + 0.5 * Math.sin(2 * Math.PI * 3 * t)) + 0.1 * Math.sin(2 * Math.PI * 5 * hz * t);
  });
}

/** What the test model computes, by hand: RMS over time of the mean-normalised fbank, projected, L2-normalised. */
async function expected(samples: Float32Array): Promise<Float32Array> {
  const w = new Float32Array((await readFile(join(dir, 'weights.f32'))).buffer.slice(0));
  const f = meanNormalize(new Fbank().compute(samples));
  const rms = Array.from({ length: 80 }, (_, b) => {
    let s = 0;
    for (let t = 0; t < f.frames; t++) s += f.data[t * 80 + b]! ** 2;
    return Math.sqrt(s / f.frames);
  });
  const out = new Float32Array(192);
  for (let d = 0; d < 192; d++) for (let b = 0; b < 80; b++) out[d] = out[d]! + rms[b]! * w[b * 192 + d]!;
  return l2normalize(out);
}

test('loads the model, reads its embedding size and says which file ran', async (t) => {
  if (!requires(t, Boolean(python), needs)) return;
  const embedder = await OnnxSpeakerEmbedder.create({ modelPath: join(dir, 'model.onnx') });
  assert.equal(embedder.dim, 192);
  assert.match(embedder.description, /model\.onnx/);
});

test('embeddings are the model applied to Kaldi fbank features, one window alone or many in a batch', async (t) => {
  if (!requires(t, Boolean(python), needs)) return;
  const embedder = await OnnxSpeakerEmbedder.create({ modelPath: join(dir, 'model.onnx') });
  const audio = speechLike(4, 180);
  const alone = await embedder.embed(audio.subarray(0, 24000));
  const want = await expected(audio.subarray(0, 24000));
  for (let k = 0; k < 192; k++) assert.ok(Math.abs(alone[k]! - want[k]!) < 1e-4, `value ${k}: ${alone[k]} vs ${want[k]}`);
  const spans: Array<[number, number]> = [[0, 24000], [12000, 36000], [40000, 64000], [30000, 40000]];
  const batch = await embedder.embedWindows(audio, spans);
  for (const [i, [a, b]] of spans.entries()) {
    const one = await expected(audio.subarray(a, b));
    for (let k = 0; k < 192; k++) assert.ok(Math.abs(batch[i]![k]! - one[k]!) < 1e-4, `window ${i}, value ${k}`);
  }
});

test('a missing file or a model of the wrong shape stops at start-up, naming SPEAKER_MODEL_PATH', async (t) => {
  if (!requires(t, Boolean(python), needs)) return;
  await assert.rejects(OnnxSpeakerEmbedder.create({ modelPath: join(dir, 'absent.onnx') }), (e: unknown) => e instanceof ConfigError && /SPEAKER_MODEL_PATH=.*absent\.onnx: no such file/.test(e.message));
  await assert.rejects(OnnxSpeakerEmbedder.create({ modelPath: join(dir, 'bins40.onnx') }), (e: unknown) => e instanceof ConfigError && /shape \[B, T, 40\], expected \[batch, frames, 80\]/.test(e.message));
});

test('diarization runs end to end over the neural path', async (t) => {
  if (!requires(t, Boolean(python), needs)) return;
  const embedder = await OnnxSpeakerEmbedder.create({ modelPath: join(dir, 'model.onnx') });
  const session = await rpgSession({ seed: 5, seconds: 30 });
  const pcm = await PcmFile.open(await writeSessionPcm(session, 'onnx'));
  try {
    const result = await diarize(pcm, truthRegions(session), embedder);
    assert.match(result.embedder, /neural speaker embedding model\.onnx/);
    assert.ok(result.clusters.length >= 1);
    assert.deepEqual(result.clusters.map((c) => c.cluster), result.clusters.map((_, i) => `SPK${i + 1}`));
    const speech = truthRegions(session).reduce((s, r) => s + r.end - r.start, 0);
    const labelled = result.turns.reduce((s, r) => s + r.end - r.start, 0);
    assert.ok(Math.abs(speech - labelled) < 1e-6, 'every second of speech has a speaker');
  } finally {
    await pcm.close();
  }
});

test('the neural model wherever it can be: models/speaker-embedding.onnx is used when SPEAKER_MODEL_PATH names none', async (t) => {
  if (!requires(t, Boolean(python), needs)) return;
  const { copyFile, mkdir } = await import('node:fs/promises');
  const { createEngines } = await import('../../../job/engines/create.js');
  const { parseJobConfig } = await import('../../../lib/config/job.js');
  const { memoryLogger } = await import('../../../lib/log.js');
  const { TINY_DIMS, writeGgmlModel } = await import('../../support/ggml-model.js');
  const models = join(dir, 'models');
  await mkdir(models, { recursive: true });
  await writeGgmlModel(join(models, 'ggml-tiny.bin'), TINY_DIMS);
  const config = (extra: Record<string, string> = {}) => parseJobConfig({ INPUT_PREFIX: 'in', WHISPER_MODEL_DIR: models, WHISPER_MODEL_SIZE: 'tiny', ...extra });
  const log = memoryLogger();
  const without = await createEngines(config(), process.env, log);
  assert.match(without.embedder!.description, /model-free/);
  assert.ok(log.lines.some((l) => /model-free embedder .*make model/.test(l.message)), 'the log says how to get the better one');
  await copyFile(join(dir, 'model.onnx'), join(models, 'speaker-embedding.onnx'));
  const found = await createEngines(config(), process.env, memoryLogger());
  assert.match(found.embedder!.description, /neural speaker embedding speaker-embedding\.onnx/);
  const named = await createEngines(config({ SPEAKER_MODEL_PATH: join(dir, 'model.onnx') }), process.env, memoryLogger());
  assert.match(named.embedder!.description, /neural speaker embedding model\.onnx/, 'SPEAKER_MODEL_PATH wins');
});
