import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcmFile } from '../../../job/audio/pcm.js';
import { SileroVad } from '../../../job/engines/silero-vad.js';
import { DEFAULT_VAD_OPTIONS } from '../../../job/engines/vad.js';
import { speechRegions } from '../../../job/stages/vad.js';
import { dialogueWav, scratchDir } from '../../support/fixtures.js';

async function pcmFileOf(samples: Int16Array, name: string): Promise<PcmFile> {
  const path = join(scratchDir(), name);
  writeFileSync(path, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
  return PcmFile.open(path);
}

test('Silero finds every espeak utterance, boundaries within ±250 ms', async () => {
  const { pcm, truth } = await dialogueWav();
  const file = await pcmFileOf(pcm, 'vad-dialogue.pcm');
  try {
    const vad = await SileroVad.create();
    const probs = await vad.probabilities(file);
    assert.equal(probs.length, Math.ceil(pcm.length / 512));
    const regions = speechRegions(probs, vad.frameSeconds, { ...DEFAULT_VAD_OPTIONS, speechPadMs: 0 });
    assert.equal(regions.length, truth.length, `regions ${JSON.stringify(regions)}`);
    for (const [i, t] of truth.entries()) {
      assert.ok(Math.abs(regions[i]!.start - t.start) <= 0.25, `utterance ${i} starts at ${t.start}, VAD says ${regions[i]!.start}`);
      assert.ok(Math.abs(regions[i]!.end - t.end) <= 0.25, `utterance ${i} ends at ${t.end}, VAD says ${regions[i]!.end}`);
    }
  } finally {
    await file.close();
  }
});

test('running a long input in parallel lanes gives the same regions as one stream', async () => {
  const { pcm } = await dialogueWav();
  // Six copies back to back (≈ 2 min) so that several lanes, each with its warm-up, cover it.
  const long = new Int16Array(pcm.length * 6);
  for (let i = 0; i < 6; i++) long.set(pcm, i * pcm.length);
  const file = await pcmFileOf(long, 'vad-long.pcm');
  try {
    const one = await SileroVad.create({ lanes: 1 });
    const many = await SileroVad.create({ lanes: 8 });
    const a = speechRegions(await one.probabilities(file), one.frameSeconds, DEFAULT_VAD_OPTIONS);
    const b = speechRegions(await many.probabilities(file), many.frameSeconds, DEFAULT_VAD_OPTIONS);
    assert.equal(a.length, b.length);
    for (const [i, r] of a.entries()) {
      assert.ok(Math.abs(r.start - b[i]!.start) <= 0.064 && Math.abs(r.end - b[i]!.end) <= 0.064, `region ${i}: ${JSON.stringify(r)} vs ${JSON.stringify(b[i])}`);
    }
  } finally {
    await file.close();
  }
});

test('silence has no speech; an aborted run stops', async () => {
  const file = await pcmFileOf(new Int16Array(16000 * 20), 'vad-silence.pcm');
  try {
    const vad = await SileroVad.create();
    const regions = speechRegions(await vad.probabilities(file), vad.frameSeconds, DEFAULT_VAD_OPTIONS);
    assert.deepEqual(regions, []);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(vad.probabilities(file, { signal: controller.signal }), { name: 'AbortedError' });
  } finally {
    await file.close();
  }
});

test('speechRegions: hysteresis, short silences bridged, short blips dropped, padding clamped', () => {
  const frame = 0.032;
  const p = new Float32Array(100);
  p.fill(0.9, 10, 30); // speech 0.32–0.96
  p.fill(0.2, 30, 33); // 96 ms dip: bridged (minSilence 300 ms)
  p.fill(0.9, 33, 50);
  p.fill(0.9, 70, 72); // 64 ms blip: dropped (minSpeech 250 ms)
  const regions = speechRegions(p, frame, { threshold: 0.5, minSpeechMs: 250, minSilenceMs: 300, speechPadMs: 0 });
  assert.deepEqual(regions, [{ start: 0.32, end: 1.6, probability: 0.85 }], 'the mean probability of its frames (37 at 0.9, 3 at 0.2)');
  const padded = speechRegions(p, frame, { threshold: 0.5, minSpeechMs: 250, minSilenceMs: 300, speechPadMs: 500 });
  assert.deepEqual(padded, [{ start: 0, end: 2.1, probability: 0.85 }]);
});

// The child lingers after loading a model: onnxruntime's telemetry writes its files from a thread, a moment later.
test('onnxruntime leaves nothing in TMPDIR (its telemetry is off): no mat-debug-<pid>.log, no .ses', async () => {
  const { execFile } = await import('node:child_process');
  const { mkdtempSync, readdirSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join: joinPath, resolve } = await import('node:path');
  const { pathToFileURL } = await import('node:url');
  const dir = mkdtempSync(joinPath(tmpdir(), 'ort-tmp-'));
  try {
    const module = pathToFileURL(resolve('job/engines/silero-vad.ts')).href;
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: dir };
    delete env.ORT_DISABLE_TELEMETRY;
    const script = `const m = await import(${JSON.stringify(module)}); await m.SileroVad.create(); await new Promise((r) => setTimeout(r, 1500));`;
    await new Promise<void>((done, fail) => execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env }, (err) => (err ? fail(err) : done())));
    const left = readdirSync(dir).filter((n) => !n.startsWith('tsx-'));
    assert.deepEqual(left, [], `left in TMPDIR: ${left.join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
