import { frameLevels, levelOf, normalisingGain } from '../audio/level.js';
import type { PcmFile } from '../audio/pcm.js';
import type { VadEngine } from '../engines/silero-vad.js';
import { DEFAULT_FAINT_DB } from '../../lib/config/job.js';
import { DEFAULT_VAD_OPTIONS, type SpeechRegion, type VadOptions } from '../engines/vad.js';

/**
 * The VAD stage: the session's speech level, the gain that brings quiet far-field recordings to a normal speech level
 * (job/audio/level.ts), the model's probabilities with that gain, then regions; regions far quieter than the
 * session's speech are set aside (see `setAsideFaint`). Returns the gain applied (dB) so the log and the report can
 * say it.
 */
export async function detectSpeech(
  pcm: PcmFile,
  vad: VadEngine,
  options: { threshold: number; faintDb?: number; signal?: AbortSignal; onProgress?: (fraction: number) => void },
): Promise<{ regions: SpeechRegion[]; faint: SpeechRegion[]; levelDb: number; gainDb: number }> {
  const levels = await frameLevels(pcm);
  const levelDb = levelOf(levels, SPEECH_PERCENTILE);
  const gain = normalisingGain(levelDb);
  const probs = await vad.probabilities(pcm, { gain, signal: options.signal, onProgress: options.onProgress });
  const found = speechRegions(probs, vad.frameSeconds, { ...DEFAULT_VAD_OPTIONS, threshold: options.threshold });
  const { kept, faint } = setAsideFaint(found, levels, vad.frameSeconds, speechLevelIn(found, levels, vad.frameSeconds), options.faintDb ?? DEFAULT_FAINT_DB);
  return { regions: kept, faint, levelDb, gainDb: 20 * Math.log10(gain) };
}

/** The session's speech level: the loud moments (job/audio/level.ts). */
const SPEECH_PERCENTILE = 0.95;

/**
 * The level of the speech the model found: the loud moments of its regions only, so that loud sounds that are not
 * speech (music, a coffee machine, dice on the table) do not raise the bar faint talk is judged against.
 */
export function speechLevelIn(regions: readonly SpeechRegion[], levels: Float32Array, frameSeconds: number): number {
  const inSpeech = new Float32Array(levels.length).fill(NaN);
  for (const r of regions) {
    const to = Math.min(levels.length, Math.round(r.end / frameSeconds));
    for (let i = Math.max(0, Math.round(r.start / frameSeconds)); i < to; i++) inSpeech[i] = levels[i]!;
  }
  return levelOf(inSpeech, SPEECH_PERCENTILE);
}

/** A region's own level: its loud frames, so that the pauses inside it and its padding do not count. */
const REGION_PERCENTILE = 0.9;

/**
 * Regions whose level is `faintDb` or more under the session's speech (`speechLevelDb`, see speechLevelIn) are set
 * aside: talk far behind the table (the next room, a TV, the next table in a bar) that Silero rightly hears as speech
 * once the level is raised, and that Whisper would transcribe as lines nobody at the table said. Measured on the real meetings of ../shared/real-speech
 * (bench/speakers.bench.ts): the speech of the table lies within 15 dB of the session's level, a far conversation
 * 27 to 32 dB under it (3.5 s of false alarm in one excerpt, DER 27.9 % → 25.4 %); 25 dB leaves a player who sits
 * far from the phone (15 dB quieter, see test/job/diarize/level.test.ts) 10 dB of margin. `levels` are per-frame
 * dBFS on the VAD's frames (NaN for digital silence). Pure.
 */
export function setAsideFaint(
  regions: readonly SpeechRegion[],
  levels: Float32Array,
  frameSeconds: number,
  speechLevelDb: number,
  faintDb: number,
): { kept: SpeechRegion[]; faint: SpeechRegion[] } {
  const kept: SpeechRegion[] = [];
  const faint: SpeechRegion[] = [];
  for (const r of regions) {
    const level = levelOf(levels, REGION_PERCENTILE, Math.round(r.start / frameSeconds), Math.round(r.end / frameSeconds));
    (level <= speechLevelDb - faintDb ? faint : kept).push(r);
  }
  return { kept, faint };
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

