import { speakerName, type SessionContext } from '../../lib/contracts/context.js';
import type { PcmFile } from '../audio/pcm.js';
import { clusterSession, embedSession, type Diarization, type SessionEmbeddings } from '../diarize/diarize.js';
import { namesHold, sampleNamed, unheardSamples } from '../diarize/fused.js';
import { identifySpeakers, type SpeakerName } from '../diarize/identify.js';
import { rosterWarnings } from '../diarize/roster.js';
import { speakerSummaries } from '../diarize/summary.js';
import { nameTurns, type Turn } from '../diarize/turns.js';
import { loadVoiceSamples, type ReadSample, type SampleProblem, type VoiceSamples } from '../diarize/voice-samples.js';
import { isModelFree, type SpeakerEmbedder } from '../engines/embedder.js';
import { SPEAKER_MODEL_HINT } from '../engines/speaker-model.js';
import type { SpeechRegion } from '../engines/vad.js';
import type { SpeakerSummary } from '../transcript.js';

/**
 * The speakers stage: who spoke when (diarize) and who they are (voice samples from context.yaml, then
 * `overrides.speakers`), from the audio alone; which line is whose is the finish's (job/finish.ts, assignSpeakers).
 * The maths lives in job/diarize/; this stage only chains it. Naming problems (a missing sample, an override for
 * no cluster) and voices that do not add up with the players context.yaml lists (job/diarize/roster.ts) come back
 * as warnings for the report; a failure of the stage itself is the orchestrator's to turn into a warning, since
 * names are worth less than the transcript.
 */
export interface SpeakersOptions {
  /** From the manifest or the flags: `min_speakers` / `max_speakers`. */
  hints: { min: number | undefined; max: number | undefined };
  context: SessionContext;
  readSample: ReadSample;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

export interface SpeakersResult {
  summaries: SpeakerSummary[];
  /** Diarization turns with display names, for transcript.rttm. */
  turns: Turn[];
  /** Clusters that kept their SPKn label. */
  unmatched: string[];
  warnings: string[];
  /** Players whose voice a recount separated from another's (see separateFusedVoices), per recount. */
  recounts: string[][];
}

/**
 * Who spoke when and who they are, from the audio alone: what the planner of a parallel run computes while the
 * other tasks transcribe (the lines are assigned to these turns at the finish).
 */
export async function identifyTurns(pcm: PcmFile, regions: readonly SpeechRegion[], embedder: SpeakerEmbedder, options: SpeakersOptions): Promise<SpeakersResult> {
  const bounds = speakerBounds(options.hints, options.context);
  const embeddings = await embedSession(pcm, regions, embedder, { signal: options.signal, onProgress: options.onProgress });
  const samples = await loadVoiceSamples(options.context, options.readSample, embedder);
  const first = clusterSession(embeddings, { ...bounds, signal: options.signal });
  const { identity, recounts } = separateFusedVoices(embeddings, first, options.context, samples, bounds, options.signal);
  const sampled = new Set(samples.profiles.filter((p) => p.embeddings.length > 0).map((p) => p.speakerId));
  const summaries = speakerSummaries(identity.turns, identity.names);
  const roster = rosterWarnings({
    listed: options.context.speakers.map((s) => ({ id: s.id, name: speakerName(s), hasSample: sampled.has(s.id) })),
    names: identity.names,
    maxSpeakers: options.hints.max,
    modelFree: isModelFree(embedder.description),
    modelHint: SPEAKER_MODEL_HINT,
    talkSeconds: summaries.reduce((n, s) => n + s.talkSeconds, 0),
  });
  return {
    summaries,
    turns: identity.turns,
    unmatched: identity.unmatched,
    warnings: [...identity.warnings, ...roster],
    recounts,
  };
}

/**
 * Where a voice sample is heard in the session but names no cluster (two players fused into one voice: see
 * job/diarize/fused.ts), the speakers are counted again with one more, from the same embeddings, as long as the
 * bounds allow, the recount names more clusters from samples, and each of those clusters is nearer its own sample
 * than any other. Returns the names of the diarization kept and the players each recount brought back.
 */
export function separateFusedVoices(
  embeddings: SessionEmbeddings,
  diarization: Diarization,
  context: SessionContext,
  samples: VoiceSamples,
  bounds: { minSpeakers?: number; maxSpeakers?: number },
  signal?: AbortSignal,
): { identity: SpeakerIdentity; recounts: string[][] } {
  let kept = diarization;
  let identity = nameSessionSpeakers(kept, context, samples);
  const recounts: string[][] = [];
  for (let round = 0; round < samples.profiles.length; round++) {
    const unheard = unheardSamples(kept, identity.names, samples.profiles, kept.threshold);
    const count = kept.clusters.length + 1;
    if (unheard.length === 0 || count > (bounds.maxSpeakers ?? Infinity)) break;
    const again = clusterSession(embeddings, { ...bounds, minSpeakers: Math.max(bounds.minSpeakers ?? 1, count), signal });
    const named = nameSessionSpeakers(again, context, samples);
    if (sampleNamed(named.names) <= sampleNamed(identity.names) || !namesHold(again, named.names, samples.profiles)) break;
    const before = new Set([...identity.names.values()].map((n) => n.speakerId));
    recounts.push([...named.names.values()].filter((n) => n.source === 'voice-sample' && !before.has(n.speakerId)).map((n) => n.name));
    kept = again;
    identity = named;
  }
  return { identity, recounts };
}

/**
 * Speaker-count bounds: the manifest's (or the flags') when given; without a maximum there, the number of speakers
 * context.yaml lists is the upper bound — when it lists at least two, since a context naming only the game master
 * says nothing about the table's size.
 */
export function speakerBounds(hints: SpeakersOptions['hints'], context: SessionContext): { minSpeakers?: number; maxSpeakers?: number } {
  const listed = context.speakers.length;
  const max = hints.max ?? (listed >= 2 ? Math.max(listed, hints.min ?? 0) : undefined);
  return { minSpeakers: hints.min, maxSpeakers: max };
}

export interface SpeakerIdentity {
  /** Cluster label (SPKn) → display name and where it came from. */
  names: Map<string, SpeakerName>;
  unmatched: string[];
  /** Diarization turns with display names. */
  turns: Turn[];
  sampleProblems: SampleProblem[];
  /** Every problem as one line for the report (sample problems first). */
  warnings: string[];
}

/** Names the clusters: voice samples matched with the clusters, then the sole listed speaker, then overrides. */
export async function identifySessionSpeakers(
  diarization: Diarization,
  context: SessionContext,
  readSample: ReadSample,
  embedder: SpeakerEmbedder,
  options: { maxDistance?: number } = {},
): Promise<SpeakerIdentity> {
  return nameSessionSpeakers(diarization, context, await loadVoiceSamples(context, readSample, embedder), options);
}

/** identifySessionSpeakers with the voice samples already loaded. Pure. */
export function nameSessionSpeakers(diarization: Diarization, context: SessionContext, samples: VoiceSamples, options: { maxDistance?: number } = {}): SpeakerIdentity {
  const { profiles, problems } = samples;
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
