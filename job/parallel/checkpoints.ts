import { z } from 'zod';
import type { SessionContext } from '../../lib/contracts/context.js';
import { stageSchema, type Stage } from '../../lib/contracts/completion.js';
import type { CondensedPlan } from '../audio/condense.js';
import type { AsrResult } from '../engines/asr.js';
import type { LoopRetry } from '../stages/loops.js';
import type { SpeechRegion } from '../engines/vad.js';
import type { StageTiming } from '../run-context.js';
import type { Chunk } from '../stages/chunk.js';
import type { RecapOutcome } from '../stages/recap.js';
import type { Marker, SkippedFile, SourceFile, SpeakerSummary, SpeakerTurn, TrackSummary } from '../transcript.js';

/**
 * What the phases hand each other through the work area (job/parallel/work.ts): the plan, each chunk's result and
 * the speakers. Written and read by the job only, yet checked when read back: a file cut short by a crash reads as
 * absent, and the work is done again.
 */

/** One timeline of speech-only audio: the whole session (mixed) or one track (multitrack). */
export interface PlanLane {
  /** Where each piece of the speech-only audio sits on the session's timeline. */
  plan: CondensedPlan;
  /** The speech regions on the session's timeline (what lines must touch to be kept). */
  kept: SpeechRegion[];
  /** Multitrack: the name on every line of this lane. */
  speaker?: string;
}

/** One piece of ASR work: a chunk of a lane's speech-only audio, stored at work/audio/<id>.wav. */
export interface PlanUnit {
  id: string;
  lane: number;
  /** Times in the lane's speech-only audio. */
  chunk: Chunk;
  /** Seconds of audio handed to the engine. */
  seconds: number;
}

/** What is known of the session once it is planned, for the finish (the transcript's and report's facts). */
export interface PlannedFacts {
  mode: { mode: 'mixed' | 'multitrack'; reason: string; other: string };
  sources: SourceFile[];
  duration: number;
  skipped: SkippedFile[];
  speechSeconds: number;
  markers: Marker[];
  /** Multitrack: the names come from the tracks, known before any ASR. */
  summaries?: SpeakerSummary[];
  turns?: SpeakerTurn[];
  tracks?: TrackSummary[];
  suggestions?: string[];
}

export interface PlanDoc {
  version: 1;
  state: 'ready';
  /** When the run started (the planner's first step), ms since the epoch: the wall time runs from here. */
  startedAt: number;
  taskCount: number;
  /** The chunk length aimed at: about the speech divided by the tasks. */
  chunkSeconds: number;
  context: SessionContext;
  lanes: PlanLane[];
  units: PlanUnit[];
  facts: PlannedFacts;
  /** Whether speakers.json is coming (a mixed session with an embedder and speech). */
  diarize: boolean;
  /** Whether the listening copy (audio.opus, for transcript.html) is coming: listening.json says when it is stored. */
  listening?: boolean;
  warnings: string[];
  timings: StageTiming[];
}

export interface FailedPlan {
  version: 1;
  state: 'failed';
  error: { stage: Stage; message: string };
}

export interface SpeakersDoc {
  version: 1;
  /** Named diarization turns; absent when the speakers could not be identified (the warning says why). */
  turns?: SpeakerTurn[];
  summaries: SpeakerSummary[];
  embedder?: string;
  warnings: string[];
  seconds: number;
}

/** Written by the planner once the listening copy is stored at audio/audio.opus, or could not be made. */
export interface ListeningDoc {
  version: 1;
  state: 'ready' | 'failed';
  problem?: string;
}

export interface UnitResult {
  version: 1;
  unit: string;
  result: AsrResult;
  /** Which task transcribed it, in which attempt, and how long it took. */
  task: number;
  attempt: number;
  seconds: number;
  /** The prompt it was given: its cost, its budget, and the glossary names that did not fit. */
  prompt?: { tokens: number; budget: number; leftOut: string[] };
  /** Spans where the first transcription looped and was done again (times in the chunk's audio). */
  retries?: LoopRetry[];
}

/** A recap written by an earlier attempt of the finish (only written ones are kept: a failure deserves another try). */
export interface RecapDoc {
  version: 1;
  outcome: RecapOutcome;
}

const object = z.record(z.string(), z.unknown());
/** The top level is checked; the rest is the job's own output read back. */
export const PlanFileSchema = z.union([
  z.object({ version: z.literal(1), state: z.literal('ready'), units: z.array(object), lanes: z.array(object), facts: object, context: object }).passthrough(),
  z.object({ version: z.literal(1), state: z.literal('failed'), error: z.object({ stage: stageSchema, message: z.string() }) }),
]) as unknown as z.ZodType<PlanDoc | FailedPlan>;

export const SpeakersSchema = z.object({ version: z.literal(1), summaries: z.array(object), warnings: z.array(z.string()), seconds: z.number() }).passthrough() as unknown as z.ZodType<SpeakersDoc>;

export const ListeningSchema: z.ZodType<ListeningDoc> = z.object({ version: z.literal(1), state: z.enum(['ready', 'failed']), problem: z.string().max(4000).optional() });

export const UnitResultSchema = z
  .object({ version: z.literal(1), unit: z.string(), result: z.object({ language: z.string(), segments: z.array(object) }), task: z.number(), attempt: z.number(), seconds: z.number() })
  .passthrough() as unknown as z.ZodType<UnitResult>;

export const RecapDocSchema = z
  .object({ version: z.literal(1), outcome: z.object({ status: z.literal('written'), model: z.string(), recap: object, usage: object, dropped: object }).passthrough() })
  .passthrough() as unknown as z.ZodType<RecapDoc>;
