import { speakerName, type SessionContext } from '../../lib/contracts/context.js';
import { matchKey, type TrackIdentity } from './labels.js';

/**
 * Names for the tracks of a multitrack session: a context.yaml speaker takes a track when one of the track's names
 * (label, Discord username or id) matches the speaker's id, name, a nickname, or an entry of its `tracks:` list, case
 * and accents ignored; `overrides.speakers` (keyed by the track's label) applies last. No voice sample is needed:
 * every track is one person. A track nothing names keeps its label, and the report suggests the context.yaml line
 * that would name it. Pure.
 */
export interface TrackToName {
  /** The track's file (and stream), for messages. */
  file: string;
  identity: TrackIdentity;
}

export interface TrackName {
  name: string;
  source: 'context' | 'override' | 'label';
  speakerId?: string;
}

export function nameTracks(tracks: readonly TrackToName[], context: SessionContext): { names: TrackName[]; warnings: string[]; suggestions: string[] } {
  const warnings: string[] = [];
  const names: TrackName[] = tracks.map((track) => {
    const keys = new Set(track.identity.aliases.map(matchKey));
    const speaker = context.speakers.find((s) => [s.id, s.name ?? '', ...s.nicknames, ...(s.tracks ?? [])].some((n) => n && keys.has(matchKey(n))));
    return speaker ? { name: speakerName(speaker), source: 'context', speakerId: speaker.id } : { name: track.identity.label, source: 'label' };
  });
  for (const [label, name] of Object.entries(context.overrides.speakers)) {
    const i = tracks.findIndex((t) => matchKey(t.identity.label) === matchKey(label));
    if (i >= 0) names[i] = { name, source: 'override' };
  }
  const bySpeaker = new Map<string, number[]>();
  names.forEach((n, i) => n.speakerId && bySpeaker.set(n.speakerId, [...(bySpeaker.get(n.speakerId) ?? []), i]));
  for (const [speakerId, indexes] of bySpeaker) {
    if (indexes.length > 1) {
      warnings.push(
        `context.yaml speaker ${speakerId} matches ${indexes.length} tracks (${indexes.map((i) => tracks[i]!.file).join(', ')}): their lines all carry that name; give each player a tracks: entry of their own if they are different people`,
      );
    }
  }
  const suggestions = tracks
    .map((t, i) => (names[i]!.source === 'label' ? `  - { id: ${yamlKey(t.identity.label)}, name: "${t.identity.label}", tracks: [${t.identity.aliases.map(yamlKey).join(', ')}] }   # ${t.file}` : undefined))
    .filter((s): s is string => s !== undefined);
  return { names, warnings, suggestions };
}

function yamlKey(text: string): string {
  return /^[\p{L}\p{N}_.-]+$/u.test(text) ? text : JSON.stringify(text);
}
