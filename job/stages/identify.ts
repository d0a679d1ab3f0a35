import { speakerName, type SessionContext } from '../../lib/contracts/context.js';
import type { SpeakerEmbedder } from '../engines/embedder.js';
import type { Diarization } from '../diarize/diarize.js';
import { identifySpeakers, type SpeakerName } from '../diarize/identify.js';
import { nameTurns, type Turn } from '../diarize/turns.js';
import { loadVoiceSamples, type ReadSample, type SampleProblem } from '../diarize/voice-samples.js';

/**
 * The naming stage: voice samples from context.yaml are embedded and matched with the clusters, then
 * `overrides.speakers` applies. Nothing here fails the run: sample problems and unusable overrides come back as
 * warnings for the report.
 */
export interface SpeakerIdentity {
  /** Cluster label (SPKn) → display name and where it came from. */
  names: Map<string, SpeakerName>;
  /** Clusters that kept their SPKn label. */
  unmatched: string[];
  /** Diarization turns with display names, for transcript.rttm and for assigning segments. */
  turns: Turn[];
  sampleProblems: SampleProblem[];
  /** Every problem as one line for the report (sample problems first). */
  warnings: string[];
}

export async function identifySessionSpeakers(
  diarization: Diarization,
  context: SessionContext,
  readSample: ReadSample,
  embedder: SpeakerEmbedder,
  options: { maxDistance?: number } = {},
): Promise<SpeakerIdentity> {
  const { profiles, problems } = await loadVoiceSamples(context, readSample, embedder);
  const sole = context.speakers.length === 1 ? context.speakers[0]! : undefined;
  const identification = identifySpeakers(diarization.clusters, profiles, context.overrides.speakers, {
    space: diarization.space,
    maxDistance: options.maxDistance ?? diarization.threshold,
    soleSpeaker: sole ? { id: sole.id, name: speakerName(sole) } : undefined,
  });
  return {
    names: identification.names,
    unmatched: identification.unmatched,
    turns: nameTurns(diarization.turns, identification.names),
    sampleProblems: problems,
    warnings: [...problems.map((p) => p.message), ...identification.warnings],
  };
}
