import type { Logger } from '../lib/log.js';
import type { Stage } from '../lib/contracts/completion.js';
import type { JobMode, OutputFormat } from '../lib/config/job.js';
import type { EmailLang } from '../lib/config/mailer.js';
import { checkWritable, type Store } from '../lib/storage/index.js';
import { withScratchFolder } from './cleanup.js';
import type { ContextLocation } from './context.js';
import type { AsrEngine } from './engines/asr.js';
import type { SpeakerEmbedder } from './engines/embedder.js';
import type { RecapModel } from './engines/recap-model.js';
import type { FfmpegTools } from './engines/ffmpeg.js';
import type { VadEngine } from './engines/silero-vad.js';
import type { RunOutcome } from './finish.js';
import { runTask } from './parallel/task.js';
import { WorkArea, WORK_KEYS } from './parallel/work.js';
import type { Progress } from './progress.js';
import type { StageTiming } from './run-context.js';

/**
 * The pipeline, in data-flow order: plan (fetch → decode → VAD → chunks of speech-only audio; speakers) → transcribe
 * (each chunk) → finish (merge → names → glossary → recap → render → archive → upload). job/plan.ts, job/parallel/task.ts
 * and job/finish.ts hold the phases; a mixed session (one recording, perhaps in parts) and a multitrack one (one
 * track per person, job/multitrack.ts) differ only in the plan. Stages get their inputs and engines as arguments.
 */
export { RunContext, StageError, type StageTiming } from './run-context.js';
export type { RunOutcome, WrittenOutputs } from './finish.js';
export { noSpeech } from './plan.js';

export interface RunSettings {
  session: string;
  runId: string;
  language: { primary: string; secondary: string | undefined; multi: boolean };
  chunk: { maxSeconds: number; overlapSeconds: number };
  /** faintDb: speech this far under the session's is set aside as talk far from the table (stages/vad.ts). */
  vad: { threshold: number; faintDb: number };
  beamSize: number;
  threads: number;
  formats: OutputFormat[];
  speakers: { min: number | undefined; max: number | undefined };
  /** Default auto: multitrack for a Craig recording, mixed otherwise. */
  mode?: JobMode;
  /** Multitrack: where a file starts on the timeline, seconds, by file name. */
  trackOffsets?: Record<string, number>;
  /** Parallel tasks the chunks are sized for (CLOUD_RUN_TASK_COUNT, or the local --jobs); default 1. */
  tasks?: number;
  /** How to ask the recap model (when one is given in the deps): its window, and how patient to be. */
  recap?: { contextTokens: number; retry: { attempts: number; delayMs: number } };
  /** transcript.html's language (the emails'); default fr. */
  pageLang?: EmailLang;
}

export interface RunDeps {
  input: Store;
  output: Store;
  context?: ContextLocation;
  asr: AsrEngine;
  vad: VadEngine;
  /** Speaker embeddings for diarization and voice samples; without one the transcript has no speakers. */
  embedder?: SpeakerEmbedder;
  /** Writes the session recap after the glossary; without one, no recap. */
  recap?: RecapModel;
  tools: FfmpegTools;
  log: Logger;
  progress: Progress;
  /** A scratch folder, removed at the end. */
  workDir: string;
  signal?: AbortSignal;
  /** Called as stages start and end (status.json in the cloud). */
  onStatus?: (status: { stage: Stage; state: 'started' | 'finished'; timings: StageTiming[] }) => Promise<void> | void;
}

/**
 * A whole session in this process: one task through every phase (job/parallel/task.ts), with its checkpoints in the
 * output's `work/` folder. `checkpoints: 'resume'` continues an interrupted run from them (a local `--resume`);
 * 'fresh' (the default) starts over. They are removed once the outputs are written.
 */
export type LocalRunDeps = RunDeps & { jobs?: number; checkpoints?: 'fresh' | 'resume' };

export async function runSession(settings: RunSettings, deps: LocalRunDeps): Promise<RunOutcome> {
  // Hours of work must not end in results nobody can save: the output location takes a write first.
  await checkWritable(deps.output);
  const work = WorkArea.of(deps.output);
  try {
    return await withScratchFolder(deps.workDir, () => runHere(settings, deps, work));
  } finally {
    deps.progress.stop();
  }
}

/** The one task, its checkpoints kept or cleared as `--resume` says. */
async function runHere(settings: RunSettings, deps: LocalRunDeps, work: WorkArea): Promise<RunOutcome> {
  if (deps.checkpoints === 'resume') {
    const left = (await work.keysUnder('results/')).size;
    if (await work.exists(WORK_KEYS.plan)) deps.log.info(`Resuming from ${work.store.uri}: ${left} chunk(s) already transcribed`);
    else deps.log.info(`Nothing to resume in ${work.store.uri}: starting from the beginning`);
  } else if ((await work.store.list()).length > 0) {
    deps.log.info(`An interrupted run left checkpoints in ${work.store.uri}: starting over (--resume continues it instead)`);
    await work.clear();
  }
  // A resumed run is the same task (index 0) again: it takes back the chunks it had claimed.
  const done = await runTask(settings, deps, work, { task: { index: 0, count: 1, attempt: 0, lastAttempt: true }, jobs: deps.jobs });
  if (done.role !== 'finished') throw new Error(`The run did not finish (${done.role === 'idle' ? done.reason : 'chunks left'})`);
  await work.clear();
  return done.outcome;
}
