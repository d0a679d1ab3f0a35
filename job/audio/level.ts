import { INT16_SCALE, type PcmFile } from './pcm.js';

/**
 * How loud the session's speech is, in dBFS: a high percentile of the level of its 32 ms frames (the loud moments
 * are speech; most of the rest is pauses and room). Used to bring quiet, far-field recordings to the level speech
 * detection works best at (a phone in the middle of the table records players at -35 to -45 dBFS), and to tell the
 * table's voices from faint talk far behind them (job/stages/vad.ts).
 */
const FRAME = 512;
const BLOCK_FRAMES = 2048;
const FLOOR_DB = -120;
const STEP_DB = 0.5;

export async function speechLevel(pcm: PcmFile, percentile = 0.95): Promise<number> {
  return levelOf(await frameLevels(pcm), percentile);
}

/**
 * The level of every 32 ms frame (512 samples, the frames of Silero VAD), in dBFS; a frame of digital silence is
 * NaN (it says nothing about the room or the voices). One streaming pass; 4 hours are 450,000 frames (1.8 MB).
 */
export async function frameLevels(pcm: PcmFile): Promise<Float32Array> {
  const out = new Float32Array(Math.floor(pcm.samples / FRAME));
  for (let at = 0; at < out.length * FRAME; at += FRAME * BLOCK_FRAMES) {
    frameLevelsOf(await pcm.readSamples(at, Math.min(out.length * FRAME, at + FRAME * BLOCK_FRAMES)), out, at / FRAME);
  }
  return out;
}

/** The levels of the whole frames of `samples`, written into `into` from frame `at` (a new array by default). Pure. */
export function frameLevelsOf(samples: Int16Array, into = new Float32Array(Math.floor(samples.length / FRAME)), at = 0): Float32Array {
  for (let f = 0; f + FRAME <= samples.length; f += FRAME) {
    let sum = 0;
    for (let i = f; i < f + FRAME; i++) sum += samples[i]! * samples[i]!;
    into[at + f / FRAME] = sum === 0 ? NaN : 10 * Math.log10(sum / FRAME / (INT16_SCALE * INT16_SCALE));
  }
  return into;
}

/**
 * The `percentile` level of frames `[from, to)` (NaN frames left out), in 0.5 dB steps through a histogram;
 * FLOOR_DB when every frame is digital silence. Pure.
 */
export function levelOf(levels: Float32Array, percentile: number, from = 0, to = levels.length): number {
  const bins = new Float64Array(Math.round(-FLOOR_DB / STEP_DB) + 1);
  let frames = 0;
  for (let i = Math.max(0, from); i < Math.min(to, levels.length); i++) {
    const db = levels[i]!;
    if (Number.isNaN(db)) continue;
    bins[Math.max(0, Math.min(bins.length - 1, Math.round((db - FLOOR_DB) / STEP_DB)))]! += 1;
    frames++;
  }
  if (frames === 0) return FLOOR_DB;
  let seen = 0;
  for (let b = 0; b < bins.length; b++) {
    seen += bins[b]!;
    if (seen >= percentile * frames) return FLOOR_DB + b * STEP_DB;
  }
  return 0;
}

/**
 * The gain that brings speech at `levelDb` to `targetDb`: never below 1 (loud recordings are left alone; Silero
 * copes) and at most `maxDb` (a near-silent file is not turned into amplified hiss). -15 dBFS measured best on the
 * real meetings of ../shared/real-speech (bench/speakers.bench.ts): -20 kept 1 % less of their speech, -12 marked
 * more of their noises as speech.
 */
export function normalisingGain(levelDb: number, targetDb = -15, maxDb = 30): number {
  return 10 ** (Math.min(maxDb, Math.max(0, targetDb - levelDb)) / 20);
}
