import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError, errorMessage, InputError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Stage } from '../lib/contracts/completion.js';
import { glossaryEntries } from '../lib/contracts/context.js';
import type { OutputFormat } from '../lib/config.js';
import type { Store } from '../lib/storage/index.js';
import { PcmFile } from './audio/pcm.js';
import type { AsrEngine } from './engines/asr.js';
import type { FfmpegTools } from './engines/ffmpeg.js';
import type { VadEngine } from './engines/silero-vad.js';
import type { SpeakerEmbedder } from './engines/embedder.js';
import { assignSpeakers } from './diarize/assign.js';
import { speakerSummaries } from './diarize/summary.js';
import type { Turn } from './diarize/turns.js';
import { diarizeSession } from './stages/diarize.js';
import { identifySessionSpeakers, voiceSampleReader } from './stages/identify.js';
import { DEFAULT_VAD_OPTIONS } from './engines/vad.js';
import { loadContext, type ContextLocation } from './context.js';
import type { Progress } from './progress.js';
import { transcribeChunks } from './stages/asr.js';
import { planChunks } from './stages/chunk.js';
import { decodeSession } from './stages/decode.js';
import { fetchSession } from './stages/fetch.js';
import { applyGlossary } from './stages/glossary.js';
import { dropOutsideSpeech, mergeChunks } from './stages/merge.js';
import { buildPrompt } from './stages/prompt.js';
import { speechRegions, speechSeconds } from './stages/vad.js';
import { writeOutputs, type WrittenOutputs } from './outputs.js';
import type { Segment, SpeakerSummary, Transcript } from './transcript.js';

/**
 * The pipeline, in data-flow order: fetch → decode → VAD → chunk → ASR → merge → diarize → identify → glossary →
 * render → archive → upload. Speakers are assigned before the glossary so that segments split at a change of
 * speaker are cut at words the recogniser wrote. Stages get their inputs and engines as arguments; this function
 * only sequences them, times them and names the stage when one fails.
 */
export interface RunSettings {
  session: string;
  runId: string;
  language: { primary: string; secondary: string | undefined; multi: boolean };
  chunk: { maxSeconds: number; overlapSeconds: number };
  vad: { threshold: number };
  beamSize: number;
  threads: number;
  formats: OutputFormat[];
  speakers: { min: number | undefined; max: number | undefined };
}

export interface RunDeps {
  input: Store;
  output: Store;
  context?: ContextLocation;
  asr: AsrEngine;
  vad: VadEngine;
  /** Speaker embeddings for diarization and voice samples; without one the transcript has no speakers. */
  embedder?: SpeakerEmbedder;
  tools: FfmpegTools;
  log: Logger;
  progress: Progress;
  /** A scratch folder, removed at the end. */
  workDir: string;
  signal?: AbortSignal;
  /** Called as stages start and end (status.json in the cloud). */
  onStatus?: (status: { stage: Stage; state: 'started' | 'finished'; timings: StageTiming[] }) => Promise<void> | void;
}

export interface StageTiming {
  stage: Stage;
  seconds: number;
}

export interface RunOutcome {
  transcript: Transcript;
  outputs: WrittenOutputs;
  timings: StageTiming[];
  wallSeconds: number;
  warnings: string[];
}

/** A failure with the stage it happened in, for the completion message and the failure email. */
export class StageError extends Error {
  override readonly name = 'StageError';
  constructor(
    readonly stage: Stage,
    override readonly cause: unknown,
  ) {
    super(`${stage}: ${errorMessage(cause)}`);
  }
  get isInputError(): boolean {
    return this.cause instanceof InputError;
  }
}

export async function runSession(settings: RunSettings, deps: RunDeps): Promise<RunOutcome> {
  const startedAt = Date.now();
  const timings: StageTiming[] = [];
  const warnings: string[] = [];
  const { log, progress, signal, tools } = deps;
  const stage = async <T>(name: Stage, label: string, work: () => Promise<T>): Promise<T> => {
    progress.stage(name, label);
    await deps.onStatus?.({ stage: name, state: 'started', timings });
    const t0 = Date.now();
    try {
      const result = await work();
      progress.update(1);
      timings.push({ stage: name, seconds: (Date.now() - t0) / 1000 });
      await deps.onStatus?.({ stage: name, state: 'finished', timings });
      return result;
    } catch (err) {
      throw err instanceof StageError ? err : new StageError(name, err);
    }
  };

  await mkdir(deps.workDir, { recursive: true });
  try {
    const { context, fetched } = await stage('fetch', 'Download', async () => {
      const loaded = await loadContext(deps.context);
      warnings.push(...loaded.warnings);
      for (const w of loaded.warnings) log.warn(w);
      const files = await fetchSession(deps.input, deps.workDir, tools, {
        signal,
        onFile: (i, n, name) => progress.update(i / Math.max(1, n), name),
      });
      return { context: loaded.context, fetched: files };
    });
    const pcmPath = join(deps.workDir, 'session.pcm');
    const decoded = await stage('decode', 'Decode', () =>
      decodeSession(fetched.files, pcmPath, tools, {
        signal,
        onProgress: (done, total) => progress.update(total > 0 ? done / total : 0),
      }),
    );
    const skipped = [...fetched.skipped, ...decoded.skipped];
    for (const s of skipped) log.warn(`Skipped ${s.name}: ${s.reason}`);
    if (decoded.sources.length === 0) {
      const why = skipped.length > 0 ? ` Skipped: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}.` : '';
      throw new StageError('decode', new InputError(`No audio to transcribe in ${deps.input.uri}.${why} Add .m4a, .mp3, .wav, .ogg or .flac recordings.`));
    }

    const pcm = await PcmFile.open(pcmPath);
    try {
      const regions = await stage('vad', 'Speech', async () => {
        const probs = await deps.vad.probabilities(pcm, { signal, onProgress: (f) => progress.update(f) });
        return speechRegions(probs, deps.vad.frameSeconds, { ...DEFAULT_VAD_OPTIONS, threshold: settings.vad.threshold });
      });
      log.info(`Speech: ${Math.round(speechSeconds(regions))} s in ${regions.length} regions of ${Math.round(pcm.duration)} s`);
      const chunks = await stage('chunk', 'Chunks', async () => planChunks(pcm.duration, regions, settings.chunk));

      /**
       * Diarization, naming and assignment. Without an embedder, or when it fails, the segments go out without
       * speakers; a failure costs the names, not the transcript, and becomes a warning in the report (an abort
       * still stops the run).
       */
      const speakersOf = async (merged: Segment[]): Promise<{ segments: Segment[]; summaries: SpeakerSummary[]; turns: Turn[] | undefined }> => {
        const unnamed = { segments: merged, summaries: [], turns: undefined };
        const embedder = deps.embedder;
        if (!embedder) return unnamed;
        try {
          const diarization = await stage('diarize', 'Speakers', () =>
            diarizeSession(pcm, regions, embedder, { hints: settings.speakers, context, signal, onProgress: (f) => progress.update(f) }),
          );
          const identity = await stage('identify', 'Names', () =>
            identifySessionSpeakers(diarization, context, voiceSampleReader(deps.context, deps.workDir, tools), embedder),
          );
          for (const w of identity.warnings) log.warn(w);
          warnings.push(...identity.warnings);
          const assigned = assignSpeakers(merged, identity.turns);
          const summaries = speakerSummaries(identity.turns, identity.names);
          log.info(`Speakers: ${summaries.map((s) => `${s.name} (${s.source})`).join(', ') || 'none found'}`);
          return { segments: assigned, summaries, turns: identity.turns };
        } catch (err) {
          const cause = err instanceof StageError ? err.cause : err;
          if (cause instanceof AbortedError || signal?.aborted) throw err;
          const message = `Speakers were not identified (${errorMessage(err)}); the transcript has no names.`;
          log.warn(message);
          warnings.push(message);
          return unnamed;
        }
      };

      const prompt = buildPrompt(context, settings.language.primary);
      const { multi, primary, secondary } = settings.language;
      const chunkResults = await stage('asr', 'Transcribe', () =>
        transcribeChunks(pcm, chunks, deps.asr, {
          language: multi ? 'auto' : primary,
          allowedLanguages: multi ? [primary, ...(secondary ? [secondary] : [])] : undefined,
          prompt,
          beamSize: settings.beamSize,
          threads: settings.threads,
          signal,
          workDir: deps.workDir,
          onProgress: (i, n, f) => progress.update((i + f) / Math.max(1, n), `chunk ${i + 1}/${n}`),
        }),
      );
      const segments = await stage('merge', 'Merge', async () => dropOutsideSpeech(mergeChunks(chunkResults), regions));
      const speakers = await speakersOf(segments);
      const corrected = await stage('glossary', 'Glossary', async () => applyGlossary(speakers.segments, glossaryEntries(context)));

      const transcript: Transcript = {
        session: settings.session,
        duration: pcm.duration,
        language: dominantLanguage(chunkResults.map((r) => ({ language: r.result.language, seconds: r.chunk.keepEnd - r.chunk.keepStart })), primary),
        segments: corrected.segments,
        speakers: speakers.summaries,
        ...(speakers.turns ? { turns: speakers.turns } : {}),
        sources: decoded.sources,
        model: { asr: deps.asr.description, vad: deps.vad.description, ...(deps.embedder ? { embedder: deps.embedder.description } : {}) },
      };
      const outputs = await stage('render', 'Write', () =>
        writeOutputs(transcript, {
          output: deps.output,
          workDir: deps.workDir,
          formats: settings.formats,
          signal,
          facts: {
            runId: settings.runId,
            createdAt: new Date(startedAt),
            inputUri: deps.input.uri,
            outputUri: deps.output.uri,
            wallSeconds: (Date.now() - startedAt) / 1000,
            stages: timings,
            skipped,
            warnings,
            languages: chunkResults.map((r) => ({ chunk: r.chunk.index, start: r.chunk.start, end: r.chunk.end, language: r.result.language })),
            glossaryReplacements: corrected.replacements,
          },
        }),
      );
      return { transcript, outputs, timings, wallSeconds: (Date.now() - startedAt) / 1000, warnings };
    } finally {
      await pcm.close();
    }
  } finally {
    progress.stop();
    await rm(deps.workDir, { recursive: true, force: true });
  }
}

function dominantLanguage(parts: Array<{ language: string; seconds: number }>, fallback: string): string {
  const totals = new Map<string, number>();
  for (const p of parts) totals.set(p.language, (totals.get(p.language) ?? 0) + p.seconds);
  return [...totals.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? fallback;
}

