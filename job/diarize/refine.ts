import type { ClusterItem } from './cluster.js';
import { voiceDistance } from './space.js';

/**
 * Second pass over a clustering: greedy merging can leave a segment in the cluster it met first rather than the one
 * it resembles most, and can keep a cluster made of a cough or a chair. Each pass moves every segment to its nearest
 * centroid (a k-means step), then a cluster holding less than `minSeconds` of speech is folded into its nearest
 * neighbour — never below `minClusters`.
 */
export interface RefineOptions {
  iterations: number;
  minSeconds: number;
  minClusters: number;
  /** Seconds of speech one unit of weight stands for. */
  windowSeconds: number;
}

export interface Centroid {
  centroid: Float64Array;
  weight: number;
}

export function refineClusters(items: readonly ClusterItem[], labels: Int32Array, options: RefineOptions): Int32Array {
  let current = relabel(labels);
  for (let pass = 0; pass < options.iterations; pass++) {
    const centroids = centroidsOf(items, current);
    const moved = Int32Array.from(items, (item, i) => nearestCentroid(item, centroids, current[i]!));
    const next = relabel(moved);
    if (count(next) < Math.min(options.minClusters, count(current))) break;
    const same = next.every((l, i) => l === current[i]);
    current = next;
    if (same) break;
  }
  for (;;) {
    const centroids = centroidsOf(items, current);
    if (centroids.length <= Math.max(1, options.minClusters)) break;
    let smallest = -1;
    for (let c = 0; c < centroids.length; c++) if (smallest < 0 || centroids[c]!.weight < centroids[smallest]!.weight) smallest = c;
    if (centroids[smallest]!.weight * options.windowSeconds >= options.minSeconds) break;
    const others = centroids.map((c, k) => (k === smallest ? { ...c, weight: 0 } : c));
    const target = nearestCentroid(centroids[smallest]!, others, -1);
    current = relabel(current.map((l) => (l === smallest ? target : l)));
  }
  return current;
}

export function centroidsOf(items: readonly ClusterItem[], labels: Int32Array): Centroid[] {
  const k = count(labels);
  const dim = items[0]?.centroid.length ?? 0;
  const out: Centroid[] = Array.from({ length: k }, () => ({ centroid: new Float64Array(dim), weight: 0 }));
  items.forEach((item, i) => {
    const c = out[labels[i]!]!;
    for (let d = 0; d < dim; d++) c.centroid[d] = c.centroid[d]! + item.weight * item.centroid[d]!;
    c.weight += item.weight;
  });
  for (const c of out) if (c.weight > 0) for (let d = 0; d < dim; d++) c.centroid[d] = c.centroid[d]! / c.weight;
  return out;
}

/** Index of the nearest centroid with weight; `fallback` when none has any. */
function nearestCentroid(item: Centroid, centroids: readonly Centroid[], fallback: number): number {
  let best = fallback;
  let bestScore = Infinity;
  centroids.forEach((c, k) => {
    if (!(c.weight > 0)) return;
    const s = voiceDistance(item.centroid, item.weight, c.centroid, c.weight);
    if (s < bestScore) {
      bestScore = s;
      best = k;
    }
  });
  return best;
}

function count(labels: Int32Array): number {
  let max = -1;
  for (const l of labels) max = Math.max(max, l);
  return max + 1;
}

/** Renumbers labels 0..k-1 in order of first item, dropping numbers no item uses. */
function relabel(labels: Int32Array): Int32Array {
  const ids = new Map<number, number>();
  return labels.map((l) => {
    if (!ids.has(l)) ids.set(l, ids.size);
    return ids.get(l)!;
  });
}
