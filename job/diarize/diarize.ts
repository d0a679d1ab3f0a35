import { throwIfAborted } from '../../lib/errors.js';
import type { PcmFile } from '../audio/pcm.js';
import type { SpeakerEmbedder } from '../engines/embedder.js';
import type { SpeechRegion } from '../engines/vad.js';
import { agglomerate, type ClusterItem, type ClusterOptions, type Clustering, type RelativeThreshold } from './cluster.js';
import { centroidsOf, refineClusters } from './refine.js';
import { segmentRegions, type Segment } from './segment.js';
import { EmbeddingSpace, voiceDistance } from './space.js';
import { buildTurns, type Turn } from './turns.js';
import { DEFAULT_WINDOWS, embedSessionWindows, planWindows, type WindowOptions } from './windows.js';

/**
 * Who spoke when, over the whole session timeline (all files end to end, so one set of labels serves every file):
 * windows inside the speech regions → embeddings → the session's embedding space → change points → segments →
 * clustering with an automatic count → refinement → turns. Memory stays bounded: audio is read a minute at a time,
 * and only one embedding per window is kept (≈ 20 000 for four hours).
 */
export interface DiarizeOptions {
  minSpeakers?: number;
  maxSpeakers?: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  windows?: WindowOptions;
  /** When clusters stop merging (see cluster.ts). */
  threshold?: RelativeThreshold;
  /** Voice distance above which a speech region is cut in two. */
  changeThreshold?: number;
  /** Clusters with less speech than this fold into their nearest neighbour. */
  minClusterSeconds?: number;
  /** Shorter segments between two of one other speaker take that speaker. */
  minFlipSeconds?: number;
  /** Segments clustered directly; the rest join the nearest cluster afterwards. */
  maxItems?: number;
}

export const DIARIZE_DEFAULTS = {
  threshold: { relative: 5, min: 1.5, max: 8 } as RelativeThreshold,
  changeThreshold: 1.5,
  minClusterSeconds: 5,
  minFlipSeconds: 1,
  maxItems: 2000,
} as const;

export interface SpeakerCluster {
  /** SPKn, in order of first appearance. */
  cluster: string;
  /** Mean embedding in `space`. */
  centroid: Float64Array;
  /** Windows' worth of speech behind the centroid (see space.ts). */
  weight: number;
  /** Seconds of speech in the cluster's turns. */
  seconds: number;
}

export interface Diarization {
  turns: Turn[];
  clusters: SpeakerCluster[];
  space: EmbeddingSpace;
  /** Voice distance at which clusters stopped merging; names match voice samples up to the same distance. */
  threshold: number;
  windows: number;
  embedder: string;
}

export async function diarize(pcm: PcmFile, regions: readonly SpeechRegion[], embedder: SpeakerEmbedder, options: DiarizeOptions = {}): Promise<Diarization> {
  const settings = { ...DIARIZE_DEFAULTS, ...options };
  const windowOptions = options.windows ?? DEFAULT_WINDOWS;
  const windows = planWindows(regions, windowOptions, pcm.duration);
  const raw = await embedSessionWindows(pcm, windows, embedder, { signal: options.signal, onProgress: options.onProgress });
  throwIfAborted(options.signal);
  const space = EmbeddingSpace.fromWindows(raw, windows, embedder.dim);
  const points = windows.map((_, i) => space.project(raw.subarray(i * embedder.dim, (i + 1) * embedder.dim)));
  const segments = segmentRegions(regions, windows, points, {
    threshold: settings.changeThreshold,
    windowSeconds: windowOptions.seconds,
    minSeconds: windowOptions.seconds,
  });
  const items = segments.map((s) => segmentItem(s, points, windowOptions.seconds));
  const minClusters = Math.max(1, options.minSpeakers ?? 1);
  const maxClusters = Math.max(minClusters, options.maxSpeakers ?? Infinity);
  const { labels, threshold } = clusterItems(items, { threshold: settings.threshold, minClusters, maxClusters, maxItems: settings.maxItems });
  const refined = refineClusters(items, labels, {
    iterations: 3,
    minSeconds: settings.minClusterSeconds,
    minClusters,
    windowSeconds: windowOptions.seconds,
  });
  const spans = segments.map((s, i) => ({ start: s.start, end: s.end, label: refined[i]! }));
  const { turns, labelNames } = buildTurns(spans, settings.minFlipSeconds);
  const centroids = centroidsOf(items, refined);
  const clusters: SpeakerCluster[] = [...labelNames].map(([label, cluster]) => ({
    cluster,
    centroid: centroids[label]!.centroid,
    weight: centroids[label]!.weight,
    seconds: turns.filter((t) => t.speaker === cluster).reduce((sum, t) => sum + (t.end - t.start), 0),
  }));
  return { turns, clusters, space, threshold, windows: windows.length, embedder: embedder.description };
}

/** A segment as a clustering item: the mean of its windows, weighted by the seconds of speech it spans. */
function segmentItem(s: Segment, points: readonly Float64Array[], windowSeconds: number): ClusterItem {
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
function clusterItems(items: readonly ClusterItem[], options: ClusterOptions & { maxItems: number }): Clustering {
  if (items.length <= options.maxItems) return agglomerate(items, options);
  const order = items.map((_, i) => i).sort((a, b) => items[b]!.weight - items[a]!.weight);
  const chosen = order.slice(0, options.maxItems);
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
