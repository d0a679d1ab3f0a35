import type { SpeechRegion } from '../engines/vad.js';
import { meanSquare } from './space.js';
import type { LabelledSpan } from './turns.js';
import { regionRuns, type Window } from './windows.js';

/**
 * Resegmentation: once the voices are known (cluster centroids), each speech region is relabelled window by window
 * with a Viterbi pass — every window pays for its distance to the voice it is given, and every change of voice pays
 * `switchCost` — so boundaries land where the windows say, not where the change-point pass happened to cut, and a
 * change the change-point pass missed inside a region is found. The cost of a window is its Gaussian negative log-
 * likelihood in the embedding space (noise 1 per dimension): half the squared distance, summed over dimensions.
 */
export function resegment(
  regions: readonly SpeechRegion[],
  windows: readonly Window[],
  points: readonly Float64Array[],
  centroids: readonly Float64Array[],
  switchCost: number,
): LabelledSpan[] {
  const spans: LabelledSpan[] = [];
  for (const { region, first: i, last: j } of regionRuns(windows)) {
    const labels = viterbi(points.slice(i, j), centroids, switchCost);
    const r = regions[region]!;
    let start = r.start;
    for (let k = 0; k < labels.length; k++) {
      const last = k === labels.length - 1 || labels[k + 1] !== labels[k];
      if (!last) continue;
      const end = k === labels.length - 1 ? r.end : (centre(windows[i + k]!) + centre(windows[i + k + 1]!)) / 2;
      spans.push({ start, end, label: labels[k]! });
      start = end;
    }
  }
  return spans;
}

function centre(w: Window): number {
  return (w.start + w.end) / 2;
}

function viterbi(points: readonly Float64Array[], centroids: readonly Float64Array[], switchCost: number): number[] {
  const k = centroids.length;
  const n = points.length;
  if (n === 0 || k === 0) return new Array(n).fill(0);
  const dim = points[0]!.length;
  const back = new Int32Array(n * k);
  let cost = new Float64Array(k);
  for (let s = 0; s < k; s++) cost[s] = 0.5 * dim * meanSquare(points[0]!, centroids[s]!);
  for (let t = 1; t < n; t++) {
    const next = new Float64Array(k);
    let bestPrev = 0;
    for (let s = 1; s < k; s++) if (cost[s]! < cost[bestPrev]!) bestPrev = s;
    for (let s = 0; s < k; s++) {
      const stay = cost[s]!;
      const move = cost[bestPrev]! + switchCost;
      const from = stay <= move ? s : bestPrev;
      next[s] = Math.min(stay, move) + 0.5 * dim * meanSquare(points[t]!, centroids[s]!);
      back[t * k + s] = from;
    }
    cost = next;
  }
  const labels = new Array<number>(n);
  let s = 0;
  for (let q = 1; q < k; q++) if (cost[q]! < cost[s]!) s = q;
  for (let t = n - 1; t >= 0; t--) {
    labels[t] = s;
    s = back[t * k + s]!;
  }
  return labels;
}

/**
 * The windows moved into the spans their centres fall in (`region` becomes the span's index), so that the embedding
 * space and the change points of the next pass only pair windows heard as one voice.
 */
export function homeWindows(windows: readonly Window[], spans: readonly LabelledSpan[]): Window[] {
  let s = 0;
  return windows.map((w) => {
    const c = centre(w);
    while (s < spans.length - 1 && spans[s]!.end <= c) s++;
    return { ...w, region: s };
  });
}

/** Mean point of the windows each label's spans hold; a label whose spans hold none keeps its previous centroid. */
export function centroidsOfSpans(
  spans: readonly LabelledSpan[],
  windows: readonly Window[],
  points: readonly Float64Array[],
  previous: readonly Float64Array[],
): Float64Array[] {
  const dim = points[0]?.length ?? 0;
  const sums = previous.map(() => ({ sum: new Float64Array(dim), n: 0 }));
  homeWindows(windows, spans).forEach((w, i) => {
    const span = spans[w.region];
    if (!span || centre(w) < span.start || centre(w) >= span.end) return;
    const acc = sums[span.label]!;
    for (let k = 0; k < dim; k++) acc.sum[k] = acc.sum[k]! + points[i]![k]!;
    acc.n++;
  });
  return sums.map((s, label) => (s.n > 0 ? s.sum.map((x) => x / s.n) : previous[label]!));
}
