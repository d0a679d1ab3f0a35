import type { SpeechRegion } from '../engines/vad.js';
import { agglomerate, type ClusterItem, type ClusterOptions, type Clustering, type RelativeThreshold } from './cluster.js';
import { centroidsOf, refineClusters } from './refine.js';
import { centroidsOfSpans, resegment } from './resegment.js';
import { segmentRegions, type SpeechSegment } from './segment.js';
import { voiceDistance } from './space.js';
import type { LabelledSpan } from './turns.js';
import type { Window } from './windows.js';

/**
 * One pass of diarization over stretches of speech that each hold one voice as far as the previous pass could
 * tell (the speech regions, on the first pass): change points cut the stretches into segments, the segments are
 * clustered with an automatic count and refined, then every region is relabelled window by window against the
 * clusters' voices (resegmentation), which also moves the centroids to the windows they won.
 */
export interface PassOptions {
  threshold: RelativeThreshold;
  changeThreshold: number;
  minClusters: number;
  maxClusters: number;
  /** Segments clustered directly; the rest join the nearest cluster afterwards. */
  maxItems: number;
  /** Shorter segments join the nearest cluster afterwards instead of taking part in the clustering. */
  minItemSeconds: number;
  minClusterSeconds: number;
  windowSeconds: number;
  switchCost: number;
  resegmentIterations: number;
}

export interface PassInput {
  /** The session's speech regions and their windows (`region` indexes `regions`). */
  regions: readonly SpeechRegion[];
  windows: readonly Window[];
  /** The stretches this pass segments, and the same windows with `region` indexing them. */
  stretches: readonly SpeechRegion[];
  homed: readonly Window[];
  points: readonly Float64Array[];
}

export interface PassResult {
  spans: LabelledSpan[];
  /** Per label: mean point of its windows, and its speech in windows' worth. */
  centroids: Array<{ centroid: Float64Array; weight: number }>;
  /** Voice distance at which the clustering stopped merging. */
  threshold: number;
}

export function clusterPass(input: PassInput, options: PassOptions): PassResult {
  const segments = segmentRegions(input.stretches, input.homed, input.points, {
    threshold: options.changeThreshold,
    windowSeconds: options.windowSeconds,
    minSeconds: options.windowSeconds,
  });
  const items = segments.map((s) => segmentItem(s, input.points, options.windowSeconds));
  const { labels, threshold } = clusterItems(items, { ...options, minItemWeight: options.minItemSeconds / options.windowSeconds });
  const refined = refineClusters(items, labels, {
    iterations: 3,
    minSeconds: options.minClusterSeconds,
    minClusters: options.minClusters,
    windowSeconds: options.windowSeconds,
  });
  let centroids = centroidsOf(items, refined).map((c) => c.centroid);
  let spans: LabelledSpan[] = segments.map((s, i) => ({ start: s.start, end: s.end, label: refined[i]! }));
  for (let i = 0; i < options.resegmentIterations; i++) {
    spans = resegment(input.regions, input.windows, input.points, centroids, options.switchCost);
    centroids = centroidsOfSpans(spans, input.windows, input.points, centroids);
  }
  const seconds = centroids.map(() => 0);
  for (const s of spans) seconds[s.label] = seconds[s.label]! + (s.end - s.start);
  return { spans, centroids: centroids.map((c, k) => ({ centroid: c, weight: seconds[k]! / options.windowSeconds })), threshold };
}

/** A segment as a clustering item: the mean of its windows, weighted by the seconds of speech it spans. */
function segmentItem(s: SpeechSegment, points: readonly Float64Array[], windowSeconds: number): ClusterItem {
  const dim = points[0]!.length;
  const centroid = new Float64Array(dim);
  const n = s.last - s.first;
  for (let w = s.first; w < s.last; w++) for (let k = 0; k < dim; k++) centroid[k] = centroid[k]! + points[w]![k]! / n;
  return { centroid, weight: Math.max(s.end - s.start, 0.05) / windowSeconds };
}

/**
 * Clusters at most `maxItems` segments directly — the heaviest, which carry the clearest voices — and gives each of
 * the others the cluster whose centroid is nearest.
 */
function clusterItems(items: readonly ClusterItem[], options: ClusterOptions & { maxItems: number; minItemWeight: number }): Clustering {
  const long = items.map((_, i) => i).filter((i) => items[i]!.weight >= options.minItemWeight);
  const clustered = long.length >= 2 ? long : items.map((_, i) => i);
  if (clustered.length === items.length && items.length <= options.maxItems) return agglomerate(items, options);
  const order = [...clustered].sort((a, b) => items[b]!.weight - items[a]!.weight);
  // Back in time order, which the clustering's measure of spread relies on.
  const chosen = order.slice(0, options.maxItems).sort((a, b) => a - b);
  const { labels: core, threshold } = agglomerate(chosen.map((i) => items[i]!), options);
  const centroids = centroidsOf(chosen.map((i) => items[i]!), core);
  const labels = new Int32Array(items.length).fill(-1);
  chosen.forEach((i, k) => (labels[i] = core[k]!));
  items.forEach((item, i) => {
    if (labels[i]! >= 0) return;
    let best = 0;
    let bestScore = Infinity;
    centroids.forEach((c, k) => {
      const s = voiceDistance(item.centroid, item.weight, c.centroid, c.weight);
      if (s < bestScore) {
        bestScore = s;
        best = k;
      }
    });
    labels[i] = best;
  });
  return { labels, threshold };
}
