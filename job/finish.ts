import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { glossaryEntries, tableNames } from '../lib/contracts/context.js';
import { zipFileName } from '../lib/contracts/session.js';
import { DEFAULT_RECAP_CONTEXT_TOKENS, DEFAULT_RECAP_RETRY } from '../lib/config/job.js';
import { regionsToCondensed, segmentsToSession, toSessionTime } from './audio/condense.js';
import { assignSpeakers } from './diarize/assign.js';
import { errorMessage } from '../lib/errors.js';
import type { AsrEngine, AsrResult } from './engines/asr.js';
import { RecapDocSchema, type PlanDoc, type RecapDoc, type SpeakersDoc, type UnitResult } from './parallel/checkpoints.js';
import { WORK_KEYS, type WorkArea } from './parallel/work.js';
import { buildReport, type ChunkLanguage, type Report, type ReportRecap } from './report.js';
import type { RunContext, StageTiming } from './run-context.js';
import type { RunDeps, RunSettings } from './run.js';
import { buildZip } from './stages/archive.js';
import { applyGlossary } from './stages/glossary.js';
import { noListening } from './stages/listen.js';
import { writeRecap, type RecapOutcome } from './stages/recap.js';
import { dropOutsideSpeech, mergeChunks } from './stages/merge.js';
import { renderOutputs, writeRendered } from './stages/render.js';
import { uploadOutputs, type UploadedFile } from './stages/upload.js';
import { writeVoiceClips } from './stages/voices.js';
import type { Removal, Segment, Transcript } from './transcript.js';
import { loadOrdinaryWords, WORDLIST_HINT } from './stages/wordlist.js';
import { filterLane, nameRemovals } from './stages/quality.js';
import { PAGE_AUDIO } from './writers/html.js';

/**
 * The finish phase, run by one task once every chunk has its result: merge each lane's chunks back onto the session's
 * timeline → names (a track's, or the speakers' turns) → glossary → recap (when a recap model is given) → transcript
 * → render → archive → upload. Speakers are assigned before the glossary so that segments split at a change of
 * speaker are cut at words the recogniser wrote. A recap that fails is a warning, never a failed run; one that was
 * written is kept in the work area, so that a retried finish does not pay for it twice.
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
  deps: Pick<RunDeps, 'output' | 'input' | 'vad' | 'signal' | 'workDir' | 'recap' | 'log' | 'tools'> & { asr: Pick<AsrEngine, 'description'> },
  plan: PlanDoc,
  units: ReadonlyMap<string, UnitResult>,
  speakers: SpeakersDoc | undefined,
  work?: WorkArea,
  /** The planner's audio.opus on this task's disk, for transcript.html (uploaded beside it, never zipped), or why there is none. */
  listening?: { path: string } | { problem: string },
): Promise<RunOutcome> {
  const results = new Map([...units].map(([id, doc]) => [id, doc.result]));
  const { facts } = plan;
  const multitrack = facts.mode.mode === 'multitrack';
  // Each lane is one recording or one track, where Whisper may have looped: the quality filter works lane by lane.
  const removed: Removal[] = [];
  const byLane = await run.stage('merge', 'Merge', async () =>
    plan.lanes.map((lane, i) => {
      const mine = plan.units.filter((u) => u.lane === i).map((u) => ({ chunk: u.chunk, result: results.get(u.id)! }));
      // Filtered on the speech-only audio, as Whisper wrote the lines, before they are cut at the pieces of speech.
      const filtered = filterLane(mergeChunks(mine), regionsToCondensed(lane.plan, lane.kept));
      const at = (t: number) => toSessionTime(lane.plan, t);
      removed.push(...filtered.removed.map((r) => ({ ...r, start: at(r.start), end: at(r.end), ...(lane.speaker ? { speaker: lane.speaker } : {}) })));
      const merged = dropOutsideSpeech(segmentsToSession(filtered.segments, lane.plan), lane.kept);
      return lane.speaker ? merged.map((s) => named(s, lane.speaker!)) : merged;
    }),
  );
  const merged = byLane
    .flatMap((segments, lane) => segments.map((s) => ({ s, lane })))
    .sort((a, b) => a.s.start - b.s.start || a.lane - b.lane)
    .map((x) => x.s);
  const turns = speakers?.turns;
  const assigned = turns ? assignSpeakers(merged, turns) : merged;
  const entries = glossaryEntries(plan.context);
  const corrected = await run.stage('glossary', 'Glossary', async () => {
    const ordinary = await loadOrdinaryWords([settings.language.primary, ...(settings.language.secondary ? [settings.language.secondary] : [])]);
    if (ordinary.missing.includes(settings.language.primary) || ordinary.missing.includes('en')) {
      run.warn(`No word list for ${ordinary.missing.join(', ')}: names were corrected from context.yaml's spellings and aliases only, not by their sound; ${WORDLIST_HINT}`);
    }
    const table = tableNames(plan.context);
    return applyGlossary(assigned, entries, { ordinary: ordinary.files.length > 0 ? ordinary : undefined, names: [...table.players, ...table.characters] });
  });
  const recap = deps.recap ? await run.stage('recap', 'Recap', () => sessionRecap(settings, deps, plan, corrected.segments, work)) : undefined;
  if (recap?.status === 'failed') run.warn(`Recap not written: ${recap.reason}. The transcript itself is complete.`);

  const languages: ChunkLanguage[] = plan.units.map((u, i) => {
    const lane = plan.lanes[u.lane]!;
    return { chunk: i, start: toSessionTime(lane.plan, u.chunk.keepStart), end: toSessionTime(lane.plan, u.chunk.keepEnd), language: results.get(u.id)!.language };
  });
  if (listening && 'problem' in listening) run.warn(noListening(listening.problem));
  // Voice clips of the speakers left without a name, cut from the listening copy (there is none without the page).
  const audio = listening && 'path' in listening ? listening.path : undefined;
  const voices = !multitrack && turns && audio ? await writeVoiceClips(deps.tools, audio, turns, speakers?.summaries ?? [], outputDir(deps.workDir), deps.signal) : { clips: [], problems: [] };
  run.warn(...voices.problems);
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
    ...(removed.length > 0 ? { removed: nameRemovals(removed, turns) } : {}),
    ...(corrected.corrections.length > 0 ? { corrections: corrected.corrections } : {}),
    ...(corrected.toCheck.length > 0 ? { toCheck: corrected.toCheck } : {}),
    ...(recap?.recap ? { recap: recap.recap } : {}),
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
    loopRetries: plan.units.flatMap((u) => {
      const lane = plan.lanes[u.lane]!;
      const at = (t: number) => toSessionTime(lane.plan, u.chunk.start + t);
      return (units.get(u.id)!.retries ?? []).map((r) => ({ start: at(r.start), end: at(r.end), kept: r.kept }));
    }),
    prompts: plan.units.map((u) => units.get(u.id)!.prompt).filter((p): p is NonNullable<typeof p> => p !== undefined),
    voiceClips: Object.fromEntries(voices.clips.map((c) => [c.cluster, c.file])),
    ...(recap ? { recap: reportRecap(recap) } : {}),
  });
  const page = { lang: settings.pageLang ?? 'fr', glossary: entries.map((e) => e.name) };
  const outputs = await writeOutputs(run, transcript, report, settings, deps, page, settings.formats.includes('html') ? audio : undefined, voices.clips.map((c) => c.path));
  return { transcript, outputs, timings: timings(), wallSeconds: wall(), speechSeconds: facts.speechSeconds, warnings };
}

/** The recap of the session, or the one an earlier attempt of this finish wrote (work/recap.json). */
async function sessionRecap(settings: RunSettings, deps: Pick<RunDeps, 'recap' | 'signal' | 'log'>, plan: PlanDoc, segments: Segment[], work: WorkArea | undefined): Promise<RecapOutcome> {
  const model = deps.recap!;
  const earlier = work ? await work.readJson(WORK_KEYS.recap, RecapDocSchema).catch(() => undefined) : undefined;
  if (earlier && earlier.outcome.model === model.description) {
    deps.log.info('The recap an earlier attempt wrote is used again');
    return earlier.outcome;
  }
  const outcome = await writeRecap(
    { session: settings.session, duration: plan.facts.duration, context: plan.context, segments },
    model,
    { language: settings.language.primary, contextTokens: settings.recap?.contextTokens ?? DEFAULT_RECAP_CONTEXT_TOKENS[model.backend], retry: settings.recap?.retry ?? DEFAULT_RECAP_RETRY },
    deps.signal,
  );
  if (outcome.status === 'written' && work) {
    const doc: RecapDoc = { version: 1, outcome };
    await work.writeJson(WORK_KEYS.recap, doc).catch((err) => deps.log.warn(`Could not keep the recap in ${work.store.uri}: ${errorMessage(err)}`));
  }
  return outcome;
}

function reportRecap(o: RecapOutcome): ReportRecap {
  return {
    status: o.status,
    model: o.model,
    ...(o.reason ? { reason: o.reason } : {}),
    ...o.usage,
    ...(o.costUsd !== undefined ? { costUsd: o.costUsd } : {}),
    dropped: o.dropped,
  };
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
  clips: readonly string[],
): Promise<WrittenOutputs> {
  const dir = outputDir(deps.workDir);
  const paths = await run.stage('render', 'Write', () => writeRendered(renderOutputs(transcript, { formats: settings.formats, report, page }), dir));
  const zipName = zipFileName(transcript.session);
  await run.stage('archive', 'Zip', () => buildZip([...paths, ...clips], join(dir, zipName), { folder: transcript.session }));
  if (listening) await rename(listening, join(dir, PAGE_AUDIO));
  const files = await run.stage('upload', 'Upload', () => uploadOutputs(deps.output, dir, { signal: deps.signal }));
  const zip = files.find((f) => f.name === zipName)!;
  return { files, zip, uris: files.map((f) => f.uri), report };
}

/** Where the finish writes the outputs before uploading them. */
function outputDir(workDir: string): string {
  return join(workDir, 'out');
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
