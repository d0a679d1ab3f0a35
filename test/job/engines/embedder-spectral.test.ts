import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cosine } from '../../../job/engines/embedder.js';
import { SpectralEmbedder } from '../../../job/engines/embedder-spectral.js';
import { PitchTracker } from '../../../job/engines/pitch.js';

/**
 * A pulse train at `hz`, each pulse ringing two formants (damped sines restarted at every pulse): a voiced vowel
 * whose period is exactly 1/hz.
 */
function vowel(hz: number, seconds: number, formants: [number, number] = [700, 1200]): Float32Array {
  const n = Math.round(seconds * 16000);
  const out = new Float32Array(n);
  const period = 1 / hz;
  for (let i = 0; i < n; i++) {
    const since = (i / 16000) % period;
    out[i] = 0.2 * Math.exp(-since * 300) * (Math.sin(2 * Math.PI * formants[0] * since) + 0.6 * Math.sin(2 * Math.PI * formants[1] * since));
  }
  return out;
}

test('pitch: a periodic signal gives its frequency, silence gives none', () => {
  const tracker = new PitchTracker();
  for (const hz of [85, 120, 210, 300]) {
    const { f0, strength } = tracker.track(vowel(hz, 0.5));
    const voiced = [...f0].filter((_, i) => strength[i]! > 0.6).sort((a, b) => a - b);
    assert.ok(voiced.length > f0.length / 2, `${hz} Hz: ${voiced.length}/${f0.length} frames voiced`);
    const median = voiced[Math.floor(voiced.length / 2)]!;
    assert.ok(Math.abs(median - hz) / hz < 0.03, `${hz} Hz tracked as ${median}`);
  }
  const { strength } = tracker.track(new Float32Array(8000));
  assert.ok(strength.every((s) => s === 0));
});

test('spectral embedding: unit length, deterministic, and the same whether windows are embedded together or alone', async () => {
  const embedder = new SpectralEmbedder();
  const audio = vowel(150, 3);
  const single = await embedder.embed(audio.subarray(3200, 27200));
  assert.equal(single.length, embedder.dim);
  assert.ok(Math.abs(Math.hypot(...single) - 1) < 1e-6);
  assert.deepEqual(await embedder.embed(audio.subarray(3200, 27200)), single);
  // Window starts on the 320-sample pitch hop keep the frames identical to embedding the window alone.
  const [first, second] = await embedder.embedWindows(audio, [[0, 24000], [3200, 27200]]);
  assert.ok(first!.length === embedder.dim);
  for (let k = 0; k < embedder.dim; k++) assert.ok(Math.abs(second![k]! - single[k]!) < 1e-5);
});

test('spectral embedding: another pitch or another vocal tract moves the embedding more than another stretch of the same voice', async () => {
  const embedder = new SpectralEmbedder();
  const a = await embedder.embed(vowel(120, 1.5));
  const aAgain = await embedder.embed(vowel(120, 1.5).map((x) => x * 0.5));
  const higher = await embedder.embed(vowel(240, 1.5));
  const otherTract = await embedder.embed(vowel(120, 1.5, [400, 2200]));
  assert.ok(cosine(a, aAgain) > 0.999, 'loudness does not matter');
  assert.ok(cosine(a, higher) < cosine(a, aAgain));
  assert.ok(cosine(a, otherTract) < cosine(a, aAgain));
});
