import type { Segment, SpeakerSummary } from '../transcript.js';
import type { SpeakerName } from './identify.js';
import { roundTo } from '../round.js';

/**
 * Per-speaker figures for transcript.json and the report: talk time and turns counted on the named diarization
 * turns (speech time as the voices were heard; the transcript's segments also work, a turn being a run of
 * consecutive spans of one speaker), and where the name came from. Speakers appear in order
 * of first speech; clusters that never reached the transcript follow with zero talk time. Clusters an override gave
 * the same name are one speaker here, listed as "SPK1+SPK3".
 */
export function speakerSummaries(segments: ReadonlyArray<Pick<Segment, 'start' | 'end' | 'speaker'>>, names: ReadonlyMap<string, SpeakerName>): SpeakerSummary[] {
  const byName = new Map<string, { clusters: string[]; info: SpeakerName[] }>();
  for (const [cluster, info] of names) {
    const entry = byName.get(info.name) ?? { clusters: [], info: [] };
    entry.clusters.push(cluster);
    entry.info.push(info);
    byName.set(info.name, entry);
  }
  const talk = new Map<string, { seconds: number; turns: number }>();
  let previous: string | undefined;
  for (const s of [...segments].sort((a, b) => a.start - b.start)) {
    if (!s.speaker) continue;
    const t = talk.get(s.speaker) ?? { seconds: 0, turns: 0 };
    t.seconds += Math.max(0, s.end - s.start);
    if (s.speaker !== previous) t.turns++;
    talk.set(s.speaker, t);
    previous = s.speaker;
  }
  const order = [...talk.keys(), ...[...byName.keys()].filter((n) => !talk.has(n))];
  return order.map((name) => {
    const entry = byName.get(name);
    const t = talk.get(name) ?? { seconds: 0, turns: 0 };
    const confidences = entry?.info.map((i) => i.confidence).filter((c): c is number => c !== undefined) ?? [];
    const summary: SpeakerSummary = {
      name,
      cluster: entry ? entry.clusters.join('+') : name,
      talkSeconds: roundTo(t.seconds, 1),
      turns: t.turns,
      source: entry?.info[0]?.source ?? 'unmatched',
    };
    if (confidences.length > 0) summary.confidence = Math.max(...confidences);
    return summary;
  });
}
