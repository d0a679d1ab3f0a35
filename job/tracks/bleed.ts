import type { SpeechRegion } from '../engines/vad.js';
import { roundTo } from '../round.js';

/**
 * Bleed and echo between the tracks of a multitrack session. Around a table every mic also hears the other players;
 * on Discord a player without headphones sends the others' voices back a moment later. Either way a track carries
 * someone else's speech, as a quieter copy of what that person's own track carries. Pure.
 *
 * For each pair of tracks (t, u) the copy is measured: its delay (0 for a mic's bleed, up to 256 ms for an echo: the
 * delay at which t's energy follows u's most steadily) and its coupling c(t←u), the median of t's energy minus u's
 * over the frames where u speaks loudly. A frame of t's speech during u's speech is bleed when t is not clearly
 * louder than the copy would be: E_t[f] − E_u[f − delay] < c(t←u) + margin. Measuring the coupling per pair makes the rule independent of each mic's gain and
 * of how loudly each player speaks; two players really talking at once are each well above their coupling on their
 * own track, and keep both lines. When every track speaking in a frame looks like bleed, the one furthest above its
 * coupling keeps it, so no speech is lost. Frame decisions are then smoothed: short gaps bridged, short bits dropped.
 */
export const BLEED_FRAME_SAMPLES = 512;
export const BLEED_FRAME_SECONDS = BLEED_FRAME_SAMPLES / 16000;

export interface BleedOptions {
  /** How far above its coupling a track must be to keep its speech, dB. */
  marginDb: number;
  /** A copy can come this late (Discord echo), frames. */
  echoFrames: number;
  /** Gaps in kept speech shorter than this are bridged, seconds. */
  bridgeSeconds: number;
  /** Kept pieces shorter than this are dropped, seconds. */
  minKeptSeconds: number;
  /** Kept pieces are padded by this much, within the VAD's region, seconds. */
  padSeconds: number;
}

export const DEFAULT_BLEED_OPTIONS: BleedOptions = { marginDb: 6, echoFrames: 8, bridgeSeconds: 0.3, minKeptSeconds: 0.2, padSeconds: 0.1 };

/** Below this a frame is digital silence (Craig fills a user's silences with zeros). */
const SILENCE_DB = -90;
/**
 * Frames within this much of a track's speech level count as its loud speech, for the coupling estimate: close to the
 * top, because a track's regions also hold the others' voices (its VAD hears the bleed), a few dB lower.
 */
const LOUD_WITHIN_DB = 3;
/** Fewer measured frames than this: the coupling is unknown and taken as `FALLBACK_COUPLING_DB`. */
const MIN_COUPLING_FRAMES = 10;
const FALLBACK_COUPLING_DB = -12;
/** How close to its copy threshold a track's frame must be to keep it when every track looks like a copy, dB. */
const NEAR_TIE_DB = 3;
/** Frames less than this above a track's noise floor are silence on it. */
const ABOVE_NOISE_DB = 10;
/** Frames this far below a track's speech level are silence on it. */
const QUIET_BELOW_LEVEL_DB = 40;
/** Above this the rule stops: a track as loud as the other one is speaking too. */
const MAX_THRESHOLD_DB = 0;

export interface BleedTrack {
  /** Energy per frame of BLEED_FRAME_SAMPLES on the session's timeline, dBFS. */
  energies: Float32Array;
  /** What the VAD found on the track. */
  regions: readonly SpeechRegion[];
}

export interface BleedResult {
  /** The track's own speech. */
  kept: SpeechRegion[];
  /** Seconds of the VAD's regions dropped as another track's speech. */
  bleedSeconds: number;
  /** Couplings measured into this track from each other track (dB; undefined: not enough shared speech). */
  couplingDb: Array<number | undefined>;
  /** How late each other track's copy arrives on this one, frames. */
  delayFrames: Array<number | undefined>;
}

export function separateBleed(tracks: readonly BleedTrack[], options: BleedOptions = DEFAULT_BLEED_OPTIONS): BleedResult[] {
  const frames = Math.max(0, ...tracks.map((t) => t.energies.length));
  const energy = tracks.map((t) => padTo(t.energies, frames));
  const inRegion = tracks.map((t) => regionMask(t.regions, frames));
  const near = inRegion.map((mask) => dilate(mask, options.echoFrames, 1));
  const level = energy.map((e, i) => speechLevel(e, inRegion[i]!));

  /** Whether a frame sounds on its track (not the VAD's padding, not a pause between words). */
  // Above the track's noise floor too: a mic's hiss in a pause is not its player speaking.
  const quiet = energy.map((e, t) => Math.max((level[t] ?? 0) - QUIET_BELOW_LEVEL_DB, noiseFloor(e) + ABOVE_NOISE_DB));
  const audible = (t: number, f: number) => energy[t]![f]! > quiet[t]!;
  /** Whether nobody else speaks near a frame. */
  const alone = (t: number, f: number) => near.every((n, u) => u === t || !n[f]);
  type Links = Array<Array<{ coupling: number; delay: number } | undefined>>;
  const thresholdOf = (links: Links, t: number, u: number) => Math.min((links[t]![u]?.coupling ?? FALLBACK_COUPLING_DB) + options.marginDb, MAX_THRESHOLD_DB);
  /** t's frame f against u's: how far above the copy of u's speech it is (negative: it is that copy). */
  const against = (links: Links, t: number, u: number, f: number) => energy[t]![f]! - peakAround(energy[u]!, f - (links[t]![u]?.delay ?? 0)) - thresholdOf(links, t, u);
  /**
   * score_t[f]: how far t is above the loudest copy of another track's speech; +Infinity when nobody else speaks.
   */
  const scores = (links: Links) =>
    tracks.map((_, t) => {
      const out = new Float32Array(frames).fill(Infinity);
      for (let f = 0; f < frames; f++) {
        if (!inRegion[t]![f]) continue;
        for (let u = 0; u < tracks.length; u++) {
          if (u === t || !near[u]![f]) continue;
          out[f] = Math.min(out[f]!, against(links, t, u, f));
        }
      }
      return out;
    });

  // c(t←u) and its delay: how loud u's speech is on t, relative to u's own track, and how late. Measured twice: a
  // track's loud frames can be someone else's voice (a quiet player's mic hears a loud one almost as loud as its own
  // player), so the second measure leaves out the frames the first one found to be copies.
  const measure = (exclude: Uint8Array[] | undefined) =>
    tracks.map((_, t) =>
      tracks.map((__, u) => (u === t || level[u] === undefined ? undefined : link(energy[t]!, tracks[t]!.energies.length, energy[u]!, inRegion[u]!, level[u]!, options.echoFrames, exclude?.[u]))),
    );
  const first = scores(measure(undefined));
  const copies = first.map((sc, t) => sc.map((v, f) => (inRegion[t]![f] && v < 0 ? 1 : 0)));
  const links = measure(copies.map((c) => Uint8Array.from(c)));
  const score = scores(links);

  // A quiet frame (the VAD's padding, a pause between words) is evidence of nothing: it is the track's own only where
  // nobody else speaks, else every track would keep the silence around someone's line.
  const own = tracks.map((_, t) => {
    const mask = new Uint8Array(frames);
    for (let f = 0; f < frames; f++) mask[f] = inRegion[t]![f] && (audible(t, f) || alone(t, f)) && score[t]![f]! >= 0 ? 1 : 0;
    return mask;
  });
  // No speech is lost: where every track that sounds looks like a copy, and one of them only just (the others' rules
  // can misjudge an original), that one keeps the frame. An echo's tail after its original has ended is clearly a copy.
  for (let f = 0; f < frames; f++) {
    let best = -1;
    let any = false;
    for (let t = 0; t < tracks.length; t++) {
      if (!inRegion[t]![f] || !audible(t, f)) continue;
      if (own[t]![f]) any = true;
      if (best < 0 || score[t]![f]! > score[best]![f]!) best = t;
    }
    if (!any && best >= 0 && score[best]![f]! >= -NEAR_TIE_DB) own[best]![f] = 1;
  }

  return tracks.map((track, t) => {
    const kept = smooth(own[t]!, inRegion[t]!, track.regions, options);
    const regionSeconds = track.regions.reduce((s, r) => s + (r.end - r.start), 0);
    const keptSeconds = kept.reduce((s, r) => s + (r.end - r.start), 0);
    return {
      kept,
      bleedSeconds: roundTo(Math.max(0, regionSeconds - keptSeconds), 3),
      couplingDb: links[t]!.map((l) => (l === undefined ? undefined : roundTo(l.coupling, 1))),
      delayFrames: links[t]!.map((l) => l?.delay),
    };
  });
}

/** Mean power of each frame of 16-bit samples, dBFS (digital silence: -100). */
export function frameEnergies(samples: Int16Array, out: Float32Array = new Float32Array(Math.floor(samples.length / BLEED_FRAME_SAMPLES)), at = 0): Float32Array {
  const n = Math.floor(samples.length / BLEED_FRAME_SAMPLES);
  for (let f = 0; f < n && at + f < out.length; f++) {
    let sum = 0;
    for (let i = f * BLEED_FRAME_SAMPLES; i < (f + 1) * BLEED_FRAME_SAMPLES; i++) sum += samples[i]! * samples[i]!;
    out[at + f] = sum === 0 ? -100 : Math.max(-100, 10 * Math.log10(sum / BLEED_FRAME_SAMPLES / 32768 ** 2));
  }
  return out;
}

/** Frames kept, bridged and cleaned, as regions clipped to the VAD's (each piece padded within its region). */
function smooth(own: Uint8Array, inRegion: Uint8Array, regions: readonly SpeechRegion[], options: BleedOptions): SpeechRegion[] {
  const frame = BLEED_FRAME_SECONDS;
  const bridge = Math.round(options.bridgeSeconds / frame);
  const minimum = Math.round(options.minKeptSeconds / frame);
  const runs: Array<[number, number]> = [];
  for (let f = 0; f < own.length; ) {
    if (!own[f]) {
      f++;
      continue;
    }
    let end = f;
    while (end < own.length && own[end]) end++;
    const last = runs[runs.length - 1];
    // Bridge a short gap that stays inside the VAD's speech.
    if (last && f - last[1] <= bridge && allSet(inRegion, last[1], f)) last[1] = end;
    else runs.push([f, end]);
    f = end;
  }
  const out: SpeechRegion[] = [];
  for (const [a, b] of runs) {
    if (b - a < minimum) continue;
    const start = a * frame;
    const end = b * frame;
    // Padded within the VAD's speech (a run may span regions that touch).
    const touched = regions.filter((r) => r.end >= start && r.start <= end);
    const lo = Math.max(Math.min(start, ...touched.map((r) => r.start)), start - options.padSeconds);
    const hi = Math.min(Math.max(end, ...touched.map((r) => r.end)), end + options.padSeconds);
    const previous = out[out.length - 1];
    if (previous && lo <= previous.end) previous.end = roundTo(Math.max(previous.end, hi), 3);
    else out.push({ start: roundTo(lo, 3), end: roundTo(hi, 3) });
  }
  return out;
}

function allSet(mask: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!mask[i]) return false;
  return true;
}

function regionMask(regions: readonly SpeechRegion[], frames: number): Uint8Array {
  const mask = new Uint8Array(frames);
  for (const r of regions) {
    const a = Math.max(0, Math.floor(r.start / BLEED_FRAME_SECONDS));
    const b = Math.min(frames, Math.ceil(r.end / BLEED_FRAME_SECONDS));
    mask.fill(1, a, b);
  }
  return mask;
}

function dilate(mask: Uint8Array, before: number, after: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let f = 0; f < mask.length; f++) if (mask[f]) out.fill(1, Math.max(0, f - after), Math.min(mask.length, f + before + 1));
  return out;
}

/** The loudest of a frame and its two neighbours: the copy's timing is known to a frame. */
function peakAround(energy: Float32Array, f: number): number {
  let max = -100;
  for (let k = Math.max(0, f - 1); k <= Math.min(energy.length - 1, f + 1); k++) max = Math.max(max, energy[k]!);
  return max;
}

/**
 * How u's speech shows on t: for each delay up to `maxDelay` frames, t's energy minus u's over the frames where u
 * speaks loudly; the delay where that difference is steadiest (a copy follows its original) is the copy's, and its
 * median the coupling. Frames past the end of t are unknown, not silence (Craig ends a track 2 s after its user's
 * last word); digital silence on t counts (a track silent while u speaks has no bleed). Undefined when u spoke too
 * little to tell.
 */
function link(et: Float32Array, tLength: number, eu: Float32Array, uRegion: Uint8Array, uLevel: number, maxDelay: number, uCopies?: Uint8Array): { coupling: number; delay: number } | undefined {
  const loud: number[] = [];
  for (let f = 0; f < eu.length; f++) if (uRegion[f] && !uCopies?.[f] && eu[f]! >= uLevel - LOUD_WITHIN_DB) loud.push(f);
  let best: { coupling: number; delay: number; spread: number } | undefined;
  for (let delay = 0; delay <= maxDelay; delay++) {
    const diffs: number[] = [];
    for (const f of loud) if (f + delay < tLength) diffs.push(et[f + delay]! - peakAround(eu, f));
    if (diffs.length < MIN_COUPLING_FRAMES) continue;
    const middle = median(diffs);
    const spread = median(diffs.map((d) => Math.abs(d - middle)));
    if (!best || spread < best.spread - 0.5) best = { coupling: middle, delay, spread };
  }
  return best && { coupling: best.coupling, delay: best.delay };
}

/** The 10th percentile of a track's frames that are not digital silence: its room and mic noise (-100 if none). */
function noiseFloor(energy: Float32Array): number {
  const values: number[] = [];
  for (let f = 0; f < energy.length; f += 4) if (energy[f]! > SILENCE_DB) values.push(energy[f]!);
  if (values.length === 0) return -100;
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length * 0.1)]!;
}

/** The 95th percentile of the energy in a track's speech frames (digital silence left out). */
function speechLevel(energy: Float32Array, inRegion: Uint8Array): number | undefined {
  const values: number[] = [];
  for (let f = 0; f < energy.length; f++) if (inRegion[f] && energy[f]! > SILENCE_DB) values.push(energy[f]!);
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(values.length * 0.95))];
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
}

function padTo(values: Float32Array, length: number): Float32Array {
  if (values.length >= length) return values;
  const out = new Float32Array(length).fill(-100);
  out.set(values);
  return out;
}
