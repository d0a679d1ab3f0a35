import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Fbank, kaldiMel, KALDI_FBANK, meanNormalize } from '../../../job/engines/fbank.js';
import { Fft } from '../../../job/engines/fft.js';
import { pythonWith, runPython } from '../../support/python.js';
import { requires } from '../../support/requires.js';

/** 1.23 s of two tones, a chirp and seeded noise: every mel bin gets energy well above the epsilon floor. */
function testSignal(samples = 19680): Float32Array {
  let seed = 42;
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5);
  return Float32Array.from({ length: samples }, (_, i) => {
    const t = i / 16000;
    return 0.3 * Math.sin(2 * Math.PI * 440 * t) + 0.2 * Math.sin(2 * Math.PI * 2500 * t) + 0.2 * Math.sin(2 * Math.PI * (100 + 3000 * t) * t) + 0.05 * noise();
  });
}

test('FFT: matches a direct DFT', () => {
  const n = 64;
  const fft = new Fft(n);
  const x = Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) + 0.3 * Math.cos(i * 2.1) + (i % 5) * 0.1);
  const re = Float64Array.from(x);
  const im = new Float64Array(n);
  fft.transform(re, im);
  for (let k = 0; k < n; k++) {
    let r = 0;
    let j = 0;
    for (let t = 0; t < n; t++) {
      r += x[t]! * Math.cos((2 * Math.PI * k * t) / n);
      j -= x[t]! * Math.sin((2 * Math.PI * k * t) / n);
    }
    assert.ok(Math.abs(re[k]! - r) < 1e-9 && Math.abs(im[k]! - j) < 1e-9, `bin ${k}`);
  }
  assert.throws(() => new Fft(48), /power of two/);
});

test('fbank: Kaldi frame count (snip edges: 25 ms frames every 10 ms)', () => {
  const fb = new Fbank();
  assert.deepEqual([399, 400, 559, 560, 16000].map((n) => fb.frameCount(n)), [0, 1, 1, 2, 98]);
  assert.equal(fb.compute(new Float32Array(399)).frames, 0);
});

test('fbank: a pure tone peaks in the mel bin whose centre is nearest its frequency', () => {
  const fb = new Fbank();
  const delta = (kaldiMel(8000) - kaldiMel(20)) / 81;
  for (const hz of [300, 1000, 3000, 6000]) {
    const tone = Float32Array.from({ length: 4000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / 16000));
    const { data, frames, bins } = fb.compute(tone);
    const row = data.subarray(Math.floor(frames / 2) * bins, (Math.floor(frames / 2) + 1) * bins);
    const peak = row.indexOf(Math.max(...row));
    const expected = Math.round((kaldiMel(hz) - kaldiMel(20)) / delta) - 1;
    assert.ok(Math.abs(peak - expected) <= 1, `${hz} Hz peaks in bin ${peak}, expected ${expected}`);
  }
});

test('fbank: mean normalisation leaves every bin with zero mean', () => {
  const f = meanNormalize(new Fbank().compute(testSignal()));
  for (let b = 0; b < f.bins; b++) {
    let sum = 0;
    for (let t = 0; t < f.frames; t++) sum += f.data[t * f.bins + b]!;
    assert.ok(Math.abs(sum / f.frames) < 1e-4);
  }
});

test('fbank: equals a numpy implementation of torchaudio.compliance.kaldi.fbank', async (t) => {
  const python = await pythonWith(['numpy']);
  if (!requires(t, python, 'python3 with numpy (apt-get install python3-numpy)')) return;
  const signal = testSignal();
  for (const options of [KALDI_FBANK, { ...KALDI_FBANK, numMelBins: 40, lowFreq: 60, highFreq: 7600 }]) {
    const ours = new Fbank(options).compute(signal);
    const args = ['test/support/kaldi-fbank-reference.py', '--bins', String(options.numMelBins), '--low', String(options.lowFreq), '--high', String(options.highFreq)];
    const out = await runPython(python, args, new Uint8Array(signal.buffer));
    const reference = new Float32Array(out.buffer, out.byteOffset, out.byteLength / 4);
    assert.equal(reference.length, ours.data.length);
    let worst = 0;
    for (let i = 0; i < reference.length; i++) worst = Math.max(worst, Math.abs(reference[i]! - ours.data[i]!));
    assert.ok(worst < 1e-3, `largest difference ${worst} (log energy) with ${options.numMelBins} bins`);
  }
});
