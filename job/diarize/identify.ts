import type { SpeakerCluster } from './diarize.js';
import { bestAssignment } from './hungarian.js';
import { voiceDistance, type EmbeddingSpace } from './space.js';
import { roundTo } from '../round.js';

/**
 * Names for clusters. A cluster takes the name of the voice sample it is nearest to, when that voice lies closer
 * than `maxDistance` — by default the distance at which the clustering stopped merging, so "this sample is that
 * cluster's voice" means exactly what "these two segments are one voice" meant. One name per cluster and one cluster
 * per name, chosen together so that the matches are closest overall (Hungarian algorithm): a cluster is not robbed of
 * its name by a neighbour that fits a little better with it but has another voice to match. Clusters left over keep
 * their SPKn label. Overrides (`SPK1: Alice`) apply last and win.
 */
export interface VoiceProfile {
  speakerId: string;
  name: string;
  /** Raw window embeddings of every usable sample of this speaker. */
  embeddings: Float32Array[];
  /** Windows' worth of speech behind them (seconds of speech / window length). */
  weight: number;
}

export const NAME_SOURCES = ['voice-sample', 'override', 'unmatched', 'single'] as const;
export type NameSource = (typeof NAME_SOURCES)[number];

export interface SpeakerName {
  name: string;
  source: NameSource;
  /** For a voice-sample match: 1 for a perfect match, falling to 0 at the match threshold. */
  confidence?: number;
  /** The context speaker id the name came from. */
  speakerId?: string;
}

export interface IdentifyOptions {
  space: EmbeddingSpace;
  maxDistance: number;
  /** The only speaker context.yaml lists: names a session with one cluster when no sample matched it. */
  soleSpeaker?: { id: string; name: string };
}

export interface Identification {
  /** Every cluster's display name. */
  names: Map<string, SpeakerName>;
  /** Clusters that kept their SPKn label. */
  unmatched: string[];
  warnings: string[];
}

export function identifySpeakers(
  clusters: readonly SpeakerCluster[],
  profiles: readonly VoiceProfile[],
  overrides: Readonly<Record<string, string>>,
  options: IdentifyOptions,
): Identification {
  const names = new Map<string, SpeakerName>(clusters.map((c) => [c.cluster, { name: c.cluster, source: 'unmatched' }]));
  const voices = profiles.filter((p) => p.embeddings.length > 0).map((p) => ({ profile: p, centroid: profileCentroid(p, options.space) }));
  const distances = clusters.map((c) => voices.map((v) => voiceDistance(c.centroid, c.weight, v.centroid, v.profile.weight)));
  const margins = distances.map((row) => row.map((d) => Math.max(0, options.maxDistance - d)));
  for (const [ci, vi] of bestAssignment(margins)) {
    const { profile } = voices[vi]!;
    const confidence = Math.min(1, margins[ci]![vi]! / options.maxDistance);
    names.set(clusters[ci]!.cluster, { name: profile.name, source: 'voice-sample', confidence: roundTo(confidence, 3), speakerId: profile.speakerId });
  }
  if (clusters.length === 1 && options.soleSpeaker && names.get(clusters[0]!.cluster)!.source === 'unmatched') {
    names.set(clusters[0]!.cluster, { name: options.soleSpeaker.name, source: 'single', speakerId: options.soleSpeaker.id });
  }
  const warnings: string[] = [];
  for (const [label, name] of Object.entries(overrides)) {
    if (names.has(label)) names.set(label, { name, source: 'override' });
    else {
      const found = clusters.length > 0 ? clusters.map((c) => c.cluster).join(', ') : 'none';
      warnings.push(`overrides.speakers.${label}: this run has no cluster ${label} (clusters: ${found}); the override was not applied`);
    }
  }
  const unmatched = [...names].filter(([, n]) => n.source === 'unmatched').map(([label]) => label);
  return { names, unmatched, warnings };
}

/** A speaker's samples as one point of the session's embedding space. */
export function profileCentroid(profile: VoiceProfile, space: EmbeddingSpace): Float64Array {
  return space.project(meanOf(profile.embeddings));
}

function meanOf(rows: readonly Float32Array[]): Float64Array {
  const out = new Float64Array(rows[0]!.length);
  for (const r of rows) for (let k = 0; k < out.length; k++) out[k] = out[k]! + r[k]! / rows.length;
  return out;
}

