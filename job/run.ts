import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError, errorMessage, InputError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Stage } from '../lib/contracts/completion.js';
import { RunContext, StageError, type Heard, type StageTiming } from './run-context.js';
import { glossaryEntries, type SessionContext } from '../lib/contracts/context.js';
import type { JobMode, OutputFormat } from '../lib/config/job.js';
import { checkWritable, type Store } from '../lib/storage/index.js';
import { PcmFile } from './audio/pcm.js';
import { trackFolder } from './cleanup.js';
import { loadContext, voiceSampleReader, type ContextLocation } from './context.js';
import type { AsrEngine } from './engines/asr.js';
import type { SpeakerEmbedder } from './engines/embedder.js';
import type { FfmpegTools } from './engines/ffmpeg.js';
import type { VadEngine } from './engines/silero-vad.js';
import type { SpeechRegion } from './engines/vad.js';
import type { Progress } from './progress.js';
import { buildReport, type Report } from './report.js';
import { zipFileName } from '../lib/contracts/session.js';
import { buildZip } from './stages/archive.js';
import { transcribeChunks } from './stages/asr.js';
import { planChunks } from './stages/chunk.js';
import { decodeSession } from './stages/decode.js';
import { fetchSession, type FetchedFile } from './stages/fetch.js';
import { applyGlossary } from './stages/glossary.js';
import { dropOutsideSpeech, mergeChunks, type ChunkResult } from './stages/merge.js';
import { renderOutputs, writeRendered } from './stages/render.js';
import { findSpeakers, type SpeakersResult } from './stages/speakers.js';
import { uploadOutputs, type UploadedFile } from './stages/upload.js';
import { detectSpeech, speechSeconds } from './stages/vad.js';
import type { Segment, SkippedFile, Transcript } from './transcript.js';
import { hearTracks } from './multitrack.js';
import { asrOptions } from './settings.js';
import { planTracks } from './tracks/plan.js';

/**
 * The pipeline, in data-flow order: fetch → decode → VAD → chunk → ASR → merge → speakers → glossary → render →
 * archive → upload. A mixed session (one recording, perhaps in parts) is heard here; a multitrack one (one track per
 * person) in multitrack.ts, with the same stages per track; job/tracks/plan.ts decides which. Speakers are assigned before the glossary so that segments split at a change of speaker are cut
 * at words the recogniser wrote. Stages get their inputs and engines as arguments; this function only sequences
 * them, times them and names the stage when one fails.
 */
export { RunContext, StageError, type StageTiming } from './run-context.js';

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
  /** Default auto: multitrack for a Craig recording, mixed otherwise. */
  mode?: JobMode;
  /** Multitrack: where a file starts on the timeline, seconds, by file name. */
  trackOffsets?: Record<string, number>;
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


export interface WrittenOutputs {
  files: UploadedFile[];
  zip: UploadedFile;
  uris: string[];
  report: Report;
}

export interface RunOutcome {
  transcript: Transcript;
  outputs: WrittenOutputs;
  timings: StageTiming[];
  wallSeconds: number;
  /** Speech the VAD found, seconds (0: nothing was transcribed). */
  speechSeconds: number;
  /** Everything the report lists as a warning, in order; the completion message carries the first ones. */
  warnings: string[];
}

export async function runSession(settings: RunSettings, deps: RunDeps): Promise<RunOutcome> {
  const run = new RunContext(deps);
  const { log, progress, signal, tools } = deps;
  // Hours of work must not end in results nobody can save: the output location takes a write first.
  await checkWritable(deps.output);
  await mkdir(deps.workDir, { recursive: true });
  const scratch = trackFolder(deps.workDir);
  try {
    const fetched = await run.stage('fetch', 'Download', async () => {
      const loaded = await loadContext(deps.context);
      run.warn(...loaded.warnings);
      const found = await fetchSession(deps.input, deps.workDir, tools, { signal, onFile: (i, n, name) => progress.update(i / Math.max(1, n), name) });
      return { context: loaded.context, ...found };
    });
    const { context } = fetched;
    if (fetched.files.length === 0) throw new StageError('decode', new InputError(noAudio(deps.input.uri, fetched.skipped)));
    const plan = planTracks(fetched.files, fetched.infos, fetched.zips, { mode: settings.mode ?? 'auto', offsets: settings.trackOffsets ?? {} });
    log.info(`Mode ${plan.mode}: ${plan.reason}`);
    run.warn(...plan.warnings);

    const heard = plan.mode === 'multitrack' ? await hearTracks(run, settings, deps, context, plan) : await hearMixed(run, settings, deps, context, fetched.files);
    const skipped = [...fetched.skipped, ...heard.skipped];
    const corrected = await run.stage('glossary', 'Glossary', async () => applyGlossary(heard.segments, glossaryEntries(context)));

    const transcript: Transcript = {
      session: settings.session,
      duration: heard.duration,
      language: dominantLanguage(heard.chunkResults, settings.language.primary),
      segments: corrected.segments,
      speakers: heard.summaries,
      ...(heard.turns ? { turns: heard.turns } : {}),
      sources: heard.sources,
      model: {
        asr: deps.asr.description,
        vad: deps.vad.description,
        ...(deps.embedder && plan.mode === 'mixed' ? { embedder: deps.embedder.description } : {}),
      },
      ...(plan.mode === 'multitrack' ? { mode: 'multitrack' as const, tracks: heard.tracks ?? [], markers: plan.markers } : {}),
    };
    const report = buildReport(transcript, {
      runId: settings.runId,
      createdAt: new Date(run.startedAt),
      inputUri: deps.input.uri,
      outputUri: deps.output.uri,
      wallSeconds: run.elapsed(),
      stages: run.timings,
      skipped,
      warnings: run.warnings,
      languages: heard.languages,
      glossaryReplacements: corrected.replacements,
      mode: { mode: plan.mode, reason: plan.reason, other: plan.other },
      trackSuggestions: heard.suggestions ?? [],
    });
    const outputs = await writeOutputs(run, transcript, report, settings, deps);
    return { transcript, outputs, timings: run.timings, wallSeconds: run.elapsed(), speechSeconds: heard.speechSeconds, warnings: run.warnings };
  } finally {
    progress.stop();
    await rm(deps.workDir, { recursive: true, force: true });
    scratch.release();
  }
}

/** One recording, perhaps in parts laid end to end: decode → VAD → chunk → ASR → merge → speakers. */
async function hearMixed(run: RunContext, settings: RunSettings, deps: RunDeps, context: SessionContext, files: readonly FetchedFile[]): Promise<Heard> {
  const { log, progress, signal, tools } = deps;
  const pcmPath = join(deps.workDir, 'session.pcm');
  const decoded = await run.stage('decode', 'Decode', () =>
    decodeSession(files, pcmPath, tools, { signal, onProgress: (done, total) => progress.update(total > 0 ? done / total : 0) }),
  );
  for (const s of decoded.skipped) log.warn(`Skipped ${s.name}: ${s.reason}`);
  if (decoded.sources.length === 0) throw new StageError('decode', new InputError(noAudio(deps.input.uri, decoded.skipped)));

  const pcm = await PcmFile.open(pcmPath);
  try {
    const regions = await run.stage('vad', 'Speech', async () => {
      const found = await detectSpeech(pcm, deps.vad, { threshold: settings.vad.threshold, signal, onProgress: (f) => progress.update(f) });
      // Quiet, far-field recordings are brought to a normal speech level first: the model finds more of them.
      if (found.gainDb > 0) log.info(`Speech level ${found.levelDb.toFixed(1)} dBFS: speech detected with ${found.gainDb.toFixed(1)} dB of gain`);
      return found.regions;
    });
    log.info(`Speech: ${Math.round(speechSeconds(regions))} s in ${regions.length} regions of ${Math.round(pcm.duration)} s`);
    // No speech, no ASR: Whisper given silence writes words nobody said.
    if (regions.length === 0) run.warn(noSpeech(settings.vad.threshold));
    const chunks = await run.stage('chunk', 'Chunks', async () => (regions.length === 0 ? [] : planChunks(pcm.duration, regions, settings.chunk)));
    const chunkResults = await run.stage('asr', 'Transcribe', () =>
      transcribeChunks(pcm, chunks, deps.asr, {
        ...asrOptions(settings, context, deps),
        onProgress: (i, n, f) => progress.update((i + f) / Math.max(1, n), `chunk ${i + 1}/${n}`),
      }),
    );
    const segments = await run.stage('merge', 'Merge', async () => dropOutsideSpeech(mergeChunks(chunkResults), regions));
    const speakers = await nameSpeakers(run, settings, deps, context, segments, pcm, regions);
    return {
      segments: speakers.segments,
      summaries: speakers.summaries,
      ...(speakers.turns ? { turns: speakers.turns } : {}),
      sources: decoded.sources,
      duration: pcm.duration,
      skipped: decoded.skipped,
      languages: chunkResults.map((r) => ({ chunk: r.chunk.index, start: r.chunk.start, end: r.chunk.end, language: r.result.language })),
      chunkResults,
      speechSeconds: speechSeconds(regions),
    };
  } finally {
    await pcm.close();
  }
}

/**
 * The speakers stage, whose failure costs the names, not the transcript: without an embedder, or when it fails,
 * the segments go out without speakers and the report says why (an abort still stops the run).
 */
async function nameSpeakers(
  run: RunContext,
  settings: RunSettings,
  deps: RunDeps,
  context: SessionContext,
  segments: Segment[],
  pcm: PcmFile,
  regions: readonly SpeechRegion[],
): Promise<Pick<SpeakersResult, 'segments' | 'summaries'> & { turns: SpeakersResult['turns'] | undefined }> {
  const unnamed = { segments, summaries: [], turns: undefined };
  const embedder = deps.embedder;
  if (!embedder || regions.length === 0) return unnamed;
  try {
    const found = await run.stage('speakers', 'Speakers', () =>
      findSpeakers(segments, pcm, regions, embedder, {
        hints: settings.speakers,
        context,
        readSample: voiceSampleReader(deps.context, deps.workDir, deps.tools, deps.signal),
        signal: deps.signal,
        onProgress: (f) => deps.progress.update(f),
      }),
    );
    run.warn(...found.warnings);
    deps.log.info(`Speakers: ${found.summaries.map((s) => `${s.name} (${s.source})`).join(', ') || 'none found'}`);
    return found;
  } catch (err) {
    const cause = err instanceof StageError ? err.cause : err;
    if (cause instanceof AbortedError || deps.signal?.aborted) throw err;
    run.warn(`Speakers were not identified (${errorMessage(cause)}); the transcript has no names.`);
    return unnamed;
  }
}

/** Render → archive → upload: every format and the report into a local folder, the zip beside them, then all of it. */
async function writeOutputs(run: RunContext, transcript: Transcript, report: Report, settings: RunSettings, deps: RunDeps): Promise<WrittenOutputs> {
  const dir = join(deps.workDir, 'out');
  const paths = await run.stage('render', 'Write', () => writeRendered(renderOutputs(transcript, { formats: settings.formats, report }), dir));
  const zipName = zipFileName(transcript.session);
  await run.stage('archive', 'Zip', () => buildZip(paths, join(dir, zipName), { folder: transcript.session }));
  const files = await run.stage('upload', 'Upload', () => uploadOutputs(deps.output, dir, { signal: deps.signal }));
  const zip = files.find((f) => f.name === zipName)!;
  return { files, zip, uris: files.map((f) => f.uri), report };
}

function noAudio(input: string, skipped: readonly SkippedFile[]): string {
  const why = skipped.length > 0 ? ` Skipped: ${skipped.slice(0, 20).map((s) => `${s.name} (${s.reason})`).join('; ')}${skipped.length > 20 ? `; and ${skipped.length - 20} more` : ''}.` : '';
  return `No audio to transcribe in ${input}.${why} Add .m4a, .mp3, .wav, .ogg or .flac recordings.`;
}

export function noSpeech(threshold: number): string {
  const lower = Math.max(0.05, Math.round((threshold - 0.2) * 100) / 100);
  return (
    `No speech was found in the recordings (speech detection threshold ${threshold}), so nothing was transcribed. ` +
    `If there is speech, it may be very quiet or far from the microphone: run again with a lower threshold, ` +
    `e.g. vad_threshold: ${lower} in _READY, --vad-threshold ${lower} or VAD_THRESHOLD=${lower}.`
  );
}

function dominantLanguage(results: readonly ChunkResult[], fallback: string): string {
  const totals = new Map<string, number>();
  for (const r of results) totals.set(r.result.language, (totals.get(r.result.language) ?? 0) + (r.chunk.keepEnd - r.chunk.keepStart));
  return [...totals.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? fallback;
}

