import { normalisingGain, speechLevel } from '../audio/level.js';
import type { PcmFile } from '../audio/pcm.js';
import type { VadEngine } from '../engines/silero-vad.js';
import { DEFAULT_VAD_OPTIONS, type SpeechRegion, type VadOptions } from '../engines/vad.js';

/**
 * The VAD stage: the session's speech level, the gain that brings quiet far-field recordings to a normal speech level
 * (job/audio/level.ts), the model's probabilities with that gain, then regions. Returns the gain applied (dB) so the
 * log and the report can say it.
 */
export async function detectSpeech(
  pcm: PcmFile,
  vad: VadEngine,
  options: { threshold: number; signal?: AbortSignal; onProgress?: (fraction: number) => void },
): Promise<{ regions: SpeechRegion[]; levelDb: number; gainDb: number }> {
  const levelDb = await speechLevel(pcm);
  const gain = normalisingGain(levelDb);
  const probs = await vad.probabilities(pcm, { gain, signal: options.signal, onProgress: options.onProgress });
  return { regions: speechRegions(probs, vad.frameSeconds, { ...DEFAULT_VAD_OPTIONS, threshold: options.threshold }), levelDb, gainDb: 20 * Math.log10(gain) };
}

import { roundTo } from '../round.js';

/**
 * Turns per-frame speech probabilities into speech regions, the way Silero's own `get_speech_timestamps` does:
 * hysteresis between `threshold` and `negThreshold`, silences shorter than `minSilenceMs` bridged, regions shorter
 * than `minSpeechMs` dropped, `speechPadMs` added on both sides without overlapping neighbours. Pure.
 */
export function speechRegions(probs: Float32Array, frameSeconds: number, options: VadOptions): SpeechRegion[] {
  const neg = options.negThreshold ?? Math.max(0.01, options.threshold - 0.15);
  const minSilenceFrames = Math.ceil(options.minSilenceMs / 1000 / frameSeconds);
  const raw: Array<[number, number]> = [];
  let start = -1;
  let silenceFrom = -1;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (start < 0) {
      if (p >= options.threshold) {
        start = i;
        silenceFrom = -1;
      }
      continue;
    }
    if (p >= options.threshold) silenceFrom = -1;
    else if (p < neg) {
      if (silenceFrom < 0) silenceFrom = i;
      if (i + 1 - silenceFrom >= minSilenceFrames) {
        raw.push([start, silenceFrom]);
        start = -1;
        silenceFrom = -1;
      }
    }
  }
  if (start >= 0) raw.push([start, silenceFrom >= 0 ? silenceFrom : probs.length]);

  const total = probs.length * frameSeconds;
  const pad = options.speechPadMs / 1000;
  const regions = raw
    .map(([a, b]) => ({ start: a * frameSeconds, end: b * frameSeconds, probability: mean(probs, a, b) }))
    .filter((r) => r.end - r.start >= options.minSpeechMs / 1000);
  return regions.map((r, i) => {
    const prev = regions[i - 1];
    const next = regions[i + 1];
    const lo = prev ? Math.max(r.start - pad, (prev.end + r.start) / 2) : Math.max(0, r.start - pad);
    const hi = next ? Math.min(r.end + pad, (r.end + next.start) / 2) : Math.min(total, r.end + pad);
    return { start: roundTo(lo, 3), end: roundTo(hi, 3), probability: roundTo(r.probability, 2) };
  });
}

function mean(values: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += values[i]!;
  return to > from ? sum / (to - from) : 0;
}

/** Seconds of speech in regions. */
export function speechSeconds(regions: readonly SpeechRegion[]): number {
  return regions.reduce((s, r) => s + (r.end - r.start), 0);
}

