import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { glossaryEntries } from '../lib/contracts/context.js';
import { zipFileName } from '../lib/contracts/session.js';
import { segmentsToSession, toSessionTime } from './audio/condense.js';
import { assignSpeakers } from './diarize/assign.js';
import type { AsrEngine, AsrResult } from './engines/asr.js';
import type { PlanDoc, SpeakersDoc } from './parallel/checkpoints.js';
import { buildReport, type ChunkLanguage, type Report } from './report.js';
import type { RunContext, StageTiming } from './run-context.js';
import type { RunDeps, RunSettings } from './run.js';
import { buildZip } from './stages/archive.js';
import { applyGlossary } from './stages/glossary.js';
import { noListening } from './stages/listen.js';
import { dropOutsideSpeech, mergeChunks } from './stages/merge.js';
import { renderOutputs, writeRendered } from './stages/render.js';
import { uploadOutputs, type UploadedFile } from './stages/upload.js';
import type { Segment, Transcript } from './transcript.js';
import { PAGE_AUDIO } from './writers/html.js';

/**
 * The finish phase, run by one task once every chunk has its result: merge each lane's chunks back onto the session's
 * timeline → names (a track's, or the speakers' turns) → glossary → transcript → render → archive → upload. Speakers
 * are assigned before the glossary so that segments split at a change of speaker are cut at words the recogniser
 * wrote.
 */
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
  /** From the planner's first step to the outputs uploaded. */
  wallSeconds: number;
  /** Speech the VAD found, seconds (0: nothing was transcribed). */
  speechSeconds: number;
  /** Everything the report lists as a warning, in order; the completion message carries the first ones. */
  warnings: string[];
}

export async function finishSession(
  run: RunContext,
  settings: RunSettings,
  deps: Pick<RunDeps, 'output' | 'input' | 'vad' | 'signal' | 'workDir'> & { asr: Pick<AsrEngine, 'description'> },
  plan: PlanDoc,
  results: ReadonlyMap<string, AsrResult>,
  speakers: SpeakersDoc | undefined,
  /** The planner's audio.opus on this task's disk, for transcript.html (uploaded beside it, never zipped), or why there is none. */
  listening?: { path: string } | { problem: string },
): Promise<RunOutcome> {
  const { facts } = plan;
  const multitrack = facts.mode.mode === 'multitrack';
  const byLane = await run.stage('merge', 'Merge', async () =>
    plan.lanes.map((lane, i) => {
      const mine = plan.units.filter((u) => u.lane === i).map((u) => ({ chunk: u.chunk, result: results.get(u.id)! }));
      const segments = dropOutsideSpeech(segmentsToSession(mergeChunks(mine), lane.plan), lane.kept);
      return lane.speaker ? segments.map((s) => named(s, lane.speaker!)) : segments;
    }),
  );
  const merged = byLane
    .flatMap((segments, lane) => segments.map((s) => ({ s, lane })))
    .sort((a, b) => a.s.start - b.s.start || a.lane - b.lane)
    .map((x) => x.s);
  const turns = speakers?.turns;
  const assigned = turns ? assignSpeakers(merged, turns) : merged;
  const corrected = await run.stage('glossary', 'Glossary', async () => applyGlossary(assigned, glossaryEntries(plan.context)));

  const languages: ChunkLanguage[] = plan.units.map((u, i) => {
    const lane = plan.lanes[u.lane]!;
    return { chunk: i, start: toSessionTime(lane.plan, u.chunk.keepStart), end: toSessionTime(lane.plan, u.chunk.keepEnd), language: results.get(u.id)!.language };
  });
  if (listening && 'problem' in listening) run.warn(noListening(listening.problem));
  const warnings = [...plan.warnings, ...(speakers?.warnings ?? []), ...run.warnings];
  // The planner's stages, then the transcription (from the plan to this finish, all tasks together), then the finish's.
  const before: StageTiming[] = [
    ...plan.timings,
    ...(speakers ? [{ stage: 'speakers' as const, seconds: speakers.seconds }] : []),
    { stage: 'asr', seconds: Math.max(0, (run.startedAt - plan.startedAt) / 1000 - sum(plan.timings) - (speakers?.seconds ?? 0)) },
  ];
  const timings = () => [...before, ...run.timings];
  const turnsOut = multitrack ? facts.turns : turns;
  const transcript: Transcript = {
    session: settings.session,
    duration: facts.duration,
    language: dominantLanguage(plan, results, settings.language.primary),
    segments: corrected.segments,
    speakers: multitrack ? (facts.summaries ?? []) : (speakers?.summaries ?? []),
    ...(turnsOut ? { turns: turnsOut } : {}),
    sources: facts.sources,
    model: { asr: deps.asr.description, vad: deps.vad.description, ...(speakers?.embedder && turns ? { embedder: speakers.embedder } : {}) },
    ...(multitrack ? { mode: 'multitrack' as const, tracks: facts.tracks ?? [], markers: facts.markers } : {}),
  };
  const wall = () => (Date.now() - plan.startedAt) / 1000;
  const report = buildReport(transcript, {
    runId: settings.runId,
    createdAt: new Date(plan.startedAt),
    inputUri: deps.input.uri,
    outputUri: deps.output.uri,
    wallSeconds: wall(),
    stages: timings(),
    skipped: facts.skipped,
    warnings,
    languages,
    glossaryReplacements: corrected.replacements,
    mode: facts.mode,
    trackSuggestions: facts.suggestions ?? [],
    tasks: plan.taskCount,
  });
  const page = { lang: settings.pageLang ?? 'fr', glossary: glossaryEntries(plan.context).map((e) => e.name) };
  const outputs = await writeOutputs(run, transcript, report, settings, deps, page, listening && 'path' in listening && settings.formats.includes('html') ? listening.path : undefined);
  return { transcript, outputs, timings: timings(), wallSeconds: wall(), speechSeconds: facts.speechSeconds, warnings };
}

function named(s: Segment, speaker: string): Segment {
  return { ...s, speaker, ...(s.words ? { words: s.words.map((w) => ({ ...w, speaker })) } : {}) };
}

const sum = (timings: readonly StageTiming[]) => timings.reduce((n, t) => n + t.seconds, 0);

/**
 * Render → archive → upload: every format and the report into a local folder, the zip beside them, then all of it.
 * The listening audio joins them after the zip is made: the mailer adds it to the zip it attaches when both fit the
 * attachment limit, and links to it otherwise.
 */
async function writeOutputs(
  run: RunContext,
  transcript: Transcript,
  report: Report,
  settings: RunSettings,
  deps: Pick<RunDeps, 'output' | 'signal' | 'workDir'>,
  page: { lang: NonNullable<RunSettings['pageLang']>; glossary: string[] },
  listening: string | undefined,
): Promise<WrittenOutputs> {
  const dir = join(deps.workDir, 'out');
  const paths = await run.stage('render', 'Write', () => writeRendered(renderOutputs(transcript, { formats: settings.formats, report, page }), dir));
  const zipName = zipFileName(transcript.session);
  await run.stage('archive', 'Zip', () => buildZip(paths, join(dir, zipName), { folder: transcript.session }));
  if (listening) await rename(listening, join(dir, PAGE_AUDIO));
  const files = await run.stage('upload', 'Upload', () => uploadOutputs(deps.output, dir, { signal: deps.signal }));
  const zip = files.find((f) => f.name === zipName)!;
  return { files, zip, uris: files.map((f) => f.uri), report };
}

/** The language that covers most of the kept speech. */
function dominantLanguage(plan: PlanDoc, results: ReadonlyMap<string, AsrResult>, fallback: string): string {
  const totals = new Map<string, number>();
  for (const u of plan.units) {
    const language = results.get(u.id)!.language;
    totals.set(language, (totals.get(language) ?? 0) + (u.chunk.keepEnd - u.chunk.keepStart));
  }
  return [...totals.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? fallback;
}
