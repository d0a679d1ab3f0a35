import { INT16_SCALE, type PcmFile } from './pcm.js';

/**
 * How loud the session's speech is, in dBFS: a high percentile of the level of its 32 ms frames (the loud moments
 * are speech; most of the rest is pauses and room). One streaming pass over the decoded audio, a histogram in
 * 0.5 dB steps, so memory stays constant. Used to bring quiet, far-field recordings to the level speech detection
 * works best at: a phone in the middle of the table records players at -35 to -45 dBFS.
 */
const FRAME = 512;
const BLOCK_FRAMES = 2048;
const FLOOR_DB = -120;
const STEP_DB = 0.5;

export async function speechLevel(pcm: PcmFile, percentile = 0.95): Promise<number> {
  const bins = new Float64Array(Math.round(-FLOOR_DB / STEP_DB) + 1);
  let frames = 0;
  for (let at = 0; at < pcm.samples; at += FRAME * BLOCK_FRAMES) {
    const block = await pcm.readSamples(at, Math.min(pcm.samples, at + FRAME * BLOCK_FRAMES));
    for (let f = 0; f + FRAME <= block.length; f += FRAME) {
      let sum = 0;
      for (let i = f; i < f + FRAME; i++) sum += block[i]! * block[i]!;
      // Digital silence (a pause an editor inserted, a generated session) says nothing about the room or the voices.
      if (sum === 0) continue;
      const db = 10 * Math.log10(sum / FRAME / (INT16_SCALE * INT16_SCALE));
      bins[Math.max(0, Math.min(bins.length - 1, Math.round((db - FLOOR_DB) / STEP_DB)))]! += 1;
      frames++;
    }
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
