import { meanSquare } from './space.js';

/**
 * Agglomerative clustering of voice segments with an automatic number of speakers. Centroid linkage: the two
 * clusters whose voices (weighted mean embeddings) are closest merge first, where "closest" is the voice distance
 * — the squared gap between centroids less the part their own noise explains (see space.ts). Short segments are
 * noisy, so they join a cluster readily; long ones only when their voices agree. Merging stops at the first merge
 * whose distance reaches the threshold, or at a clearer jump just before it (clearerJump), then the count is
 * clamped to [minClusters, maxClusters] by replaying more or fewer merges of the same history.
 *
 * The threshold is relative: `relative` times the median distance from a segment to the nearest of its neighbours
 * in time (see nearestRawMedian), which measures, on this session, how much one voice varies from turn to turn (a
 * segment's nearest neighbour is almost always the same voice). Absolute distances varied twofold between sessions of the same voices; relative
 * to that spread, same-voice merges stayed under 3.2 and different-voice ones above 7.9 (espeak sessions, see the
 * tests). `min`/`max` bound it for sessions too short to measure the spread. Distances update by the Lance–Williams formula (exact for centroids and squared
 * Euclidean distances), and each cluster caches its nearest neighbour, so a run costs O(n²) time and memory: callers
 * keep n to a few thousand (see `maxItems` in diarize.ts).
 */
export interface ClusterItem {
  centroid: Float64Array;
  /** Windows' worth of speech the centroid averages. */
  weight: number;
}

export interface ClusterOptions {
  threshold: RelativeThreshold;
  minClusters: number;
  maxClusters: number;
}

export interface RelativeThreshold {
  relative: number;
  min: number;
  max: number;
}

export interface Clustering {
  /** Cluster index (0..k-1, in order of first item) for each item. */
  labels: Int32Array;
  /** The voice distance at which merging stopped. */
  threshold: number;
}

export function agglomerate(items: readonly ClusterItem[], options: ClusterOptions): Clustering {
  const n = items.length;
  if (n === 0) return { labels: new Int32Array(0), threshold: options.threshold.max };
  const minClusters = Math.max(1, Math.min(n, options.minClusters));
  const maxClusters = Math.max(minClusters, Math.min(n, options.maxClusters));
  const { merges, spread } = mergeHistory(items, minClusters);
  const { relative, min, max } = options.threshold;
  const threshold = Math.min(max, Math.max(min, relative * spread));
  let auto = merges.findIndex((m) => m.score >= threshold);
  if (auto < 0) auto = merges.length;
  auto = clearerJump(merges, auto, threshold);
  const count = Math.min(n - minClusters, Math.max(n - maxClusters, auto));
  return { labels: replay(n, merges.slice(0, count)), threshold };
}

/**
 * Distances from one voice to another come as a jump above the same-voice merges: 1.1, 1.3, 1.5, then 5.1, 6.0. A
 * threshold scaled from the session's spread can land on either side of that jump (re-encoding the demo session moved
 * the spread by 40 %, and the threshold went from below 4.3 to above 5.1, fusing two voices). So when a merge before
 * the threshold is a clear jump — at least JUMP_RATIO times the merge before it, and no weaker than the jump at the
 * threshold itself — merging stops there instead. Only earlier, never later: within a factor of JUMP_REACH of the
 * threshold, so that a noisy session's same-voice merges are not mistaken for voices.
 */
const JUMP_RATIO = 2.5;
const JUMP_REACH = 2.5;

function clearerJump(merges: readonly Merge[], auto: number, threshold: number): number {
  const ratio = (k: number) => merges[k]!.score / Math.max(merges[k - 1]!.score, 1e-6);
  let best = auto;
  let bestRatio = auto > 0 && auto < merges.length ? ratio(auto) : 0;
  for (let k = auto - 1; k >= 1 && merges[k]!.score >= threshold / JUMP_REACH; k--) {
    if (ratio(k) >= JUMP_RATIO && ratio(k) > bestRatio) {
      best = k;
      bestRatio = ratio(k);
    }
  }
  return best;
}

interface Merge {
  into: number;
  from: number;
  score: number;
}

function mergeHistory(items: readonly ClusterItem[], stopAt: number): { merges: Merge[]; spread: number } {
  const n = items.length;
  const dist = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = meanSquare(items[i]!.centroid, items[j]!.centroid);
      dist[i * n + j] = d;
      dist[j * n + i] = d;
    }
  }
  const weight = Float64Array.from(items, (it) => it.weight);
  const active = new Uint8Array(n).fill(1);
  const score = (i: number, j: number) => dist[i * n + j]! - 1 / weight[i]! - 1 / weight[j]!;
  const nearest = new Int32Array(n).fill(-1);
  const nearestScore = new Float64Array(n).fill(Infinity);
  const refresh = (i: number) => {
    nearest[i] = -1;
    nearestScore[i] = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i || !active[j]) continue;
      const s = score(i, j);
      if (s < nearestScore[i]!) {
        nearestScore[i] = s;
        nearest[i] = j;
      }
    }
  };
  for (let i = 0; i < n; i++) refresh(i);
  const spread = nearestRawMedian(dist, n);

  const merges: Merge[] = [];
  for (let left = n; left > stopAt; left--) {
    let a = -1;
    for (let i = 0; i < n; i++) if (active[i] && (a < 0 || nearestScore[i]! < nearestScore[a]!)) a = i;
    const b = nearest[a]!;
    const [into, from] = a < b ? [a, b] : [b, a];
    merges.push({ into, from, score: nearestScore[a]! });
    const wi = weight[into]!;
    const wf = weight[from]!;
    const w = wi + wf;
    const dif = dist[into * n + from]!;
    for (let k = 0; k < n; k++) {
      if (!active[k] || k === into || k === from) continue;
      const d = (wi * dist[into * n + k]! + wf * dist[from * n + k]!) / w - (wi * wf * dif) / (w * w);
      dist[into * n + k] = d;
      dist[k * n + into] = d;
    }
    weight[into] = w;
    active[from] = 0;
    refresh(into);
    for (let k = 0; k < n; k++) {
      if (!active[k] || k === into) continue;
      if (nearest[k] === into || nearest[k] === from) refresh(k);
      else if (score(k, into) < nearestScore[k]!) {
        nearestScore[k] = score(k, into);
        nearest[k] = into;
      }
    }
  }
  return { merges, spread };
}

/**
 * Median over items of the plain distance to the nearest of the `NEIGHBOURS` items before and after it in time
 * (items come in time order; 0 for a single item). Looking only at neighbours in time keeps the measure the same
 * whatever the session's length: against every item, the nearest one gets closer as items multiply, and on a
 * 1-hour session the threshold fell so low that four voices came out as 154 clusters.
 */
const NEIGHBOURS = 8;
function nearestRawMedian(dist: Float64Array, n: number): number {
  if (n < 2) return 0;
  const nearest = new Float64Array(n).fill(Infinity);
  for (let i = 0; i < n; i++) {
    for (let j = Math.max(0, i - NEIGHBOURS); j <= Math.min(n - 1, i + NEIGHBOURS); j++) if (j !== i) nearest[i] = Math.min(nearest[i]!, dist[i * n + j]!);
  }
  nearest.sort();
  return nearest[Math.floor(n / 2)]!;
}

function replay(n: number, merges: readonly Merge[]): Int32Array {
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (const m of merges) parent[root(m.from)] = root(m.into);
  const ids = new Map<number, number>();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const r = root(i);
    if (!ids.has(r)) ids.set(r, ids.size);
    labels[i] = ids.get(r)!;
  }
  return labels;
}
