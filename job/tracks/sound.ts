import type { SpeechRegion } from '../engines/vad.js';
import { roundTo } from '../round.js';
import { BLEED_FRAME_SECONDS } from './bleed.js';

/**
 * Where a track has any sound at all. Craig writes digital silence wherever its user's microphone sent nothing (most
 * of a player's track: they listen far more than they talk), and speech detection need not listen to it: the VAD runs
 * on these stretches only, laid end to end (job/audio/condense.ts). Any microphone's noise floor is far above
 * `floorDb`, so a mic per player around a table keeps its whole track. Pure.
 */
export const SOUND_FLOOR_DB = -70;

export function soundRegions(energies: Float32Array, options: { floorDb?: number; bridgeSeconds?: number; padSeconds?: number } = {}): SpeechRegion[] {
  const floor = options.floorDb ?? SOUND_FLOOR_DB;
  const bridge = Math.round((options.bridgeSeconds ?? 1) / BLEED_FRAME_SECONDS);
  const pad = options.padSeconds ?? 0.5;
  const runs: Array<[number, number]> = [];
  for (let f = 0; f < energies.length; f++) {
    if (energies[f]! <= floor) continue;
    const last = runs[runs.length - 1];
    if (last && f - last[1] <= bridge) last[1] = f + 1;
    else runs.push([f, f + 1]);
  }
  const total = energies.length * BLEED_FRAME_SECONDS;
  const out: SpeechRegion[] = [];
  for (const [a, b] of runs) {
    const start = Math.max(0, a * BLEED_FRAME_SECONDS - pad);
    const end = Math.min(total, b * BLEED_FRAME_SECONDS + pad);
    const last = out[out.length - 1];
    if (last && start <= last.end) last.end = roundTo(end, 3);
    else out.push({ start: roundTo(start, 3), end: roundTo(end, 3) });
  }
  return out;
}
