import type { SpeechRegion } from '../engines/vad.js';
import { voiceDistance } from './space.js';
import { regionRuns, type Window } from './windows.js';

/**
 * Speaker-change points inside speech regions. A region is cut where the voice on its left (up to two windows
 * ending before the candidate time) and the voice on its right (up to two windows starting after it) differ most,
 * when that difference is a local peak above `threshold`. Every region boundary is a segment boundary too.
 * A cut too many costs little (both halves usually land in the same cluster); a missed one puts two voices in one
 * segment, so the threshold sits below the clustering one.
 */
export interface SpeechSegment {
  region: number;
  /** Windows [first, last) of the segment. */
  first: number;
  last: number;
  /** Time span the segment labels, seconds. */
  start: number;
  end: number;
}

export interface ChangeOptions {
  threshold: number;
  /** Seconds of speech one window stands for (its length): turns a duration into a window count. */
  windowSeconds: number;
  /** Two change points closer than this keep only the stronger. */
  minSeconds: number;
}

export function segmentRegions(
  regions: readonly SpeechRegion[],
  windows: readonly Window[],
  points: readonly Float64Array[],
  options: ChangeOptions,
): SpeechSegment[] {
  const out: SpeechSegment[] = [];
  for (const { region, first: i, last: j } of regionRuns(windows)) {
    const r = regions[region]!;
    const cuts = changePoints(windows, points, i, j, options);
    let first = i;
    let start = r.start;
    for (const cut of [...cuts, { time: r.end, window: j }]) {
      if (cut.window > first) out.push({ region, first, last: cut.window, start, end: cut.time });
      first = cut.window;
      start = cut.time;
    }
  }
  return out;
}

interface Cut {
  time: number;
  /** First window after the cut (by centre). */
  window: number;
}

function changePoints(windows: readonly Window[], points: readonly Float64Array[], from: number, to: number, options: ChangeOptions): Cut[] {
  const scored: Array<{ time: number; score: number }> = [];
  for (let k = from; k < to - 1; k++) {
    const time = windows[k]!.end;
    const left: number[] = [];
    const right: number[] = [];
    for (let m = k; m >= from && left.length < 2; m--) if (windows[m]!.end <= time + 1e-6) left.push(m);
    for (let m = k + 1; m < to && right.length < 2; m++) if (windows[m]!.start >= time - 1e-6) right.push(m);
    if (left.length === 0 || right.length === 0) continue;
    const weight = (ids: number[]) => {
      const span = Math.max(...ids.map((m) => windows[m]!.end)) - Math.min(...ids.map((m) => windows[m]!.start));
      return span / options.windowSeconds;
    };
    scored.push({ time, score: voiceDistance(mean(points, left), weight(left), mean(points, right), weight(right)) });
  }
  const peaks = scored.filter((c, n) => {
    if (!(c.score > options.threshold)) return false;
    for (let o = n - 1; o >= 0 && c.time - scored[o]!.time < options.minSeconds; o--) if (scored[o]!.score >= c.score) return false;
    for (let o = n + 1; o < scored.length && scored[o]!.time - c.time < options.minSeconds; o++) if (scored[o]!.score > c.score) return false;
    return true;
  });
  return peaks.map((p) => {
    let w = from;
    while (w < to && (windows[w]!.start + windows[w]!.end) / 2 < p.time) w++;
    return { time: p.time, window: w };
  });
}

function mean(points: readonly Float64Array[], ids: readonly number[]): Float64Array {
  const out = new Float64Array(points[ids[0]!]!.length);
  for (const id of ids) for (let k = 0; k < out.length; k++) out[k] = out[k]! + points[id]![k]! / ids.length;
  return out;
}
