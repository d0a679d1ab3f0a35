import type { Diarization } from './diarize.js';
import { profileCentroid, type SpeakerName, type VoiceProfile } from './identify.js';
import { voiceDistance } from './space.js';

/**
 * Two players heard as one voice, told apart by their voice samples. When players answer each other without a pause
 * the clustering can fuse two voices (see diarize.ts); each sample then lies close to the fused cluster, but a
 * cluster takes one name, so the other player's lines carry the wrong one. Such a sample — no cluster named after it,
 * yet its voice within the clustering's own distance of a cluster — is what `unheardSamples` finds; the speakers
 * stage then counts the speakers again with one more (job/stages/speakers.ts). A player who did not come can have a
 * sample like somebody's voice too: `namesHold` is the check that a recount really found them (each named cluster is
 * nearer its own sample than any other sample). Pure.
 */
export function unheardSamples(diarization: Diarization, names: ReadonlyMap<string, SpeakerName>, profiles: readonly VoiceProfile[], maxDistance: number): VoiceProfile[] {
  const named = new Set([...names.values()].filter((n) => n.source === 'voice-sample').map((n) => n.speakerId));
  return profiles.filter((p) => {
    if (p.embeddings.length === 0 || named.has(p.speakerId)) return false;
    const voice = profileCentroid(p, diarization.space);
    return diarization.clusters.some((c) => voiceDistance(c.centroid, c.weight, voice, p.weight) < maxDistance);
  });
}

/** Every cluster named from a sample is nearer that sample than any other speaker's. */
export function namesHold(diarization: Diarization, names: ReadonlyMap<string, SpeakerName>, profiles: readonly VoiceProfile[]): boolean {
  const voices = profiles.filter((p) => p.embeddings.length > 0).map((p) => ({ id: p.speakerId, weight: p.weight, centroid: profileCentroid(p, diarization.space) }));
  return diarization.clusters.every((c) => {
    const name = names.get(c.cluster);
    if (name?.source !== 'voice-sample') return true;
    const distances = voices.map((v) => ({ id: v.id, d: voiceDistance(c.centroid, c.weight, v.centroid, v.weight) }));
    const own = distances.find((x) => x.id === name.speakerId)!.d;
    return distances.every((x) => x.id === name.speakerId || x.d > own);
  });
}

/** How many clusters carry a name from a voice sample. */
export function sampleNamed(names: ReadonlyMap<string, SpeakerName>): number {
  return [...names.values()].filter((n) => n.source === 'voice-sample').length;
}
