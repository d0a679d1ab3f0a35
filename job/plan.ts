import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AbortedError, errorMessage, InputError, throwIfAborted } from '../lib/errors.js';
import { clock } from '../lib/units.js';
import { condensedRegions, condensePlan, writeCondensedPcm } from './audio/condense.js';
import { PcmFile } from './audio/pcm.js';
import { loadContext, voiceSampleReader } from './context.js';
import type { SpeechRegion } from './engines/vad.js';
import { planLaneTracks } from './multitrack.js';
import type { PlanDoc, PlanLane, PlannedFacts, PlanUnit, SpeakersDoc } from './parallel/checkpoints.js';
import { StageError, type RunContext } from './run-context.js';
import type { RunDeps, RunSettings } from './run.js';
import { writeChunkWav } from './stages/asr.js';
import { chunkCountFor, chunkSecondsFor, planBalancedChunks } from './stages/chunk.js';
import { decodeSession } from './stages/decode.js';
import { fetchSession, type FetchedFile } from './stages/fetch.js';
import { startListening, type Listening } from './stages/listen.js';
import { identifyTurns } from './stages/speakers.js';
import { detectSpeech, speechSeconds } from './stages/vad.js';
import type { SkippedFile } from './transcript.js';
import { planTracks } from './tracks/plan.js';
import { roundTo } from './round.js';
import { mergeSpans } from './spans.js';
import type { SessionContext } from '../lib/contracts/context.js';

/**
 * The plan phase, run by one task: fetch → decode → VAD (→ bleed for multitrack) → chunks of speech-only audio, each
 * handed to `saveAudio` as a WAV as soon as it is written. What the finish needs later is in the returned PlanDoc; a
 * mixed session's decoded audio stays on this task's disk for the speakers (`speakersOf`), which need all of it.
 * When the page is asked for (the html format), the listening copy (audio.opus) starts encoding from the decoded
 * audio as soon as it exists, in a process of its own: the task stores it once it is done (job/parallel/task.ts),
 * while the other tasks already transcribe.
 */
export interface Planned {
  doc: PlanDoc;
  /** Mixed sessions: the decoded session and its speech, for diarization. */
  forSpeakers?: { pcmPath: string; regions: SpeechRegion[] };
  /** The listening copy being encoded (the html format asked for), for the task to store once it is done. */
  listening?: Listening;
}

export async function planSession(run: RunContext, settings: RunSettings, deps: RunDeps, saveAudio: (unit: PlanUnit, wavPath: string) => Promise<void>): Promise<Planned> {
  let listening: Listening | undefined;
  const listen = (pcmPaths: readonly string[]) => {
    if (settings.formats.includes('html')) listening = startListening(deps.tools, pcmPaths, listeningPath(deps.workDir), deps.signal);
  };
  try {
    const planned = await planWith(run, settings, deps, saveAudio, listen);
    return { ...planned, doc: { ...planned.doc, listening: listening !== undefined }, ...(listening ? { listening } : {}) };
  } catch (err) {
    await listening?.stop();
    throw err;
  }
}

/** Where the planner encodes audio.opus. */
export function listeningPath(workDir: string): string {
  return join(workDir, 'listening.opus');
}

async function planWith(
  run: RunContext,
  settings: RunSettings,
  deps: RunDeps,
  saveAudio: (unit: PlanUnit, wavPath: string) => Promise<void>,
  listen: (pcmPaths: readonly string[]) => void,
): Promise<Omit<Planned, 'listening'>> {
  const { tools, signal, progress, log } = deps;
  const fetched = await run.stage('fetch', 'Download', async () => {
    const loaded = await loadContext(deps.context);
    run.warn(...loaded.warnings);
    const found = await fetchSession(deps.input, deps.workDir, tools, { signal, onFile: (i, n, name) => progress.update(i / Math.max(1, n), name) });
    return { context: loaded.context, ...found };
  });
  const { context } = fetched;
  if (fetched.files.length === 0) throw new StageError('decode', new InputError(noAudio(deps.input.uri, fetched.skipped)));
  const tracks = planTracks(fetched.files, fetched.infos, fetched.zips, { mode: settings.mode ?? 'auto', offsets: settings.trackOffsets ?? {} });
  log.info(`Mode ${tracks.mode}: ${tracks.reason}`);
  run.warn(...tracks.warnings);
  const mode = { mode: tracks.mode, reason: tracks.reason, other: tracks.other };

  let lanes: PlanLane[];
  let facts: PlannedFacts;
  let forSpeakers: Planned['forSpeakers'];
  let lanePcm: (lane: number) => string;
  if (tracks.mode === 'multitrack') {
    const heard = await planLaneTracks(run, settings, deps, context, tracks, listen);
    lanes = heard.lanes;
    facts = { ...heard.facts, mode, skipped: [...fetched.skipped, ...heard.facts.skipped], markers: tracks.markers };
    lanePcm = (i) => heard.pcmPaths[i]!;
  } else {
    const heard = await planMixed(run, settings, deps, fetched.files, listen);
    lanes = [heard.lane];
    facts = { mode, sources: heard.sources, duration: heard.duration, skipped: [...fetched.skipped, ...heard.skipped], speechSeconds: speechSeconds(heard.lane.kept), markers: [] };
    forSpeakers = heard.lane.kept.length > 0 ? { pcmPath: heard.pcmPath, regions: heard.lane.kept } : undefined;
    lanePcm = () => heard.pcmPath;
  }

  const taskCount = Math.max(1, settings.tasks ?? 1);
  const planned = await run.stage('chunk', 'Chunks', async () => {
    const speech = lanes.reduce((n, l) => n + l.plan.duration, 0);
    const chunkSeconds = chunkSecondsFor(speech, taskCount, settings.chunk.maxSeconds);
    const units: PlanUnit[] = [];
    for (const [laneIndex, lane] of lanes.entries()) {
      if (lane.plan.pieces.length === 0) continue;
      const count = chunkCountFor(lane.plan.duration, chunkSeconds, settings.chunk.maxSeconds);
      for (const chunk of planBalancedChunks(lane.plan.duration, condensedRegions(lane.plan), { count, overlapSeconds: Math.min(settings.chunk.overlapSeconds, lane.plan.duration / count / 4), pauses: lane.plan.pauses })) {
        units.push({ id: `chunk-${String(units.length).padStart(4, '0')}`, lane: laneIndex, chunk, seconds: roundTo(chunk.end - chunk.start, 3) });
      }
    }
    // Each lane's speech-only audio, then its chunks cut from it and handed over one at a time.
    const dir = join(deps.workDir, 'audio');
    await mkdir(dir, { recursive: true });
    let done = 0;
    for (const [laneIndex, lane] of lanes.entries()) {
      const mine = units.filter((u) => u.lane === laneIndex);
      if (mine.length === 0) continue;
      throwIfAborted(signal);
      const speechPath = join(dir, `lane-${laneIndex}.speech.pcm`);
      const whole = await PcmFile.open(lanePcm(laneIndex));
      try {
        await writeCondensedPcm(whole, lane.plan, speechPath);
      } finally {
        await whole.close();
      }
      const speech = await PcmFile.open(speechPath);
      try {
        for (const unit of mine) {
          throwIfAborted(signal);
          const wav = join(dir, `${unit.id}.wav`);
          await writeChunkWav(speech, unit.chunk, wav);
          await saveAudio(unit, wav);
          await rm(wav, { force: true });
          progress.update(++done / units.length, unit.id);
        }
      } finally {
        await speech.close();
        await rm(speechPath, { force: true });
      }
    }
    return { units, chunkSeconds };
  });
  const audioSeconds = planned.units.reduce((n, u) => n + u.seconds, 0);
  log.info(`Planned ${planned.units.length} chunks of about ${Math.round(planned.chunkSeconds)} s for ${taskCount} task(s): ${Math.round(audioSeconds)} s of speech-only audio for ${Math.round(facts.duration)} s of session`);
  if (planned.units.length === 0) run.warn(noSpeech(settings.vad.threshold));

  return {
    doc: {
      version: 1,
      state: 'ready',
      startedAt: run.startedAt,
      taskCount,
      chunkSeconds: planned.chunkSeconds,
      context,
      lanes,
      units: planned.units,
      facts,
      diarize: forSpeakers !== undefined && deps.embedder !== undefined,
      warnings: [...run.warnings],
      timings: [...run.timings],
    },
    ...(forSpeakers ? { forSpeakers } : {}),
  };
}

/** One recording, perhaps in parts laid end to end: decode → VAD; its speech is the one lane. */
async function planMixed(run: RunContext, settings: RunSettings, deps: RunDeps, files: readonly FetchedFile[], onDecoded: (pcmPaths: string[]) => void): Promise<{ lane: PlanLane; pcmPath: string; sources: PlannedFacts['sources']; duration: number; skipped: SkippedFile[] }> {
  const { log, progress, signal, tools } = deps;
  const pcmPath = join(deps.workDir, 'session.pcm');
  const decoded = await run.stage('decode', 'Decode', async () =>
    decodeSession(files, pcmPath, tools, { signal, onProgress: (done, total) => progress.update(total > 0 ? done / total : 0) }),
  );
  for (const s of decoded.skipped) log.warn(`Skipped ${s.name}: ${s.reason}`);
  if (decoded.sources.length === 0) throw new StageError('decode', new InputError(noAudio(deps.input.uri, decoded.skipped)));
  onDecoded([pcmPath]);
  const pcm = await PcmFile.open(pcmPath);
  try {
    const regions = await run.stage('vad', 'Speech', async () => {
      const found = await detectSpeech(pcm, deps.vad, { threshold: settings.vad.threshold, faintDb: settings.vad.faintDb, signal, onProgress: (f) => progress.update(f) });
      // Quiet, far-field recordings are brought to a normal speech level first: the model finds more of them.
      if (found.gainDb > 0) log.info(`Speech level ${found.levelDb.toFixed(1)} dBFS: speech detected with ${found.gainDb.toFixed(1)} dB of gain`);
      const faint = faintTalk(found.faint, settings.vad.faintDb);
      if (faint) run.warn(faint);
      return found.regions;
    });
    log.info(`Speech: ${Math.round(speechSeconds(regions))} s in ${regions.length} regions of ${Math.round(pcm.duration)} s`);
    return { lane: { plan: condensePlan(regions), kept: regions }, pcmPath, sources: decoded.sources, duration: pcm.duration, skipped: decoded.skipped };
  } finally {
    await pcm.close();
  }
}

/**
 * A retried planner whose plan is written but whose speakers are not: the session's audio again (fetch → decode), for
 * the speakers; the speech regions come from the plan.
 */
export async function rehearMixed(run: RunContext, deps: RunDeps): Promise<string> {
  const fetched = await run.stage('fetch', 'Download', () => fetchSession(deps.input, deps.workDir, deps.tools, { signal: deps.signal }));
  const pcmPath = join(deps.workDir, 'session.pcm');
  await run.stage('decode', 'Decode', () => decodeSession(fetched.files, pcmPath, deps.tools, { signal: deps.signal }));
  return pcmPath;
}

/**
 * Who spoke when in a mixed session, from its whole audio: diarize → identify (voice samples, overrides). Its
 * failure costs the names, not the transcript: the document then says why, for the report (an abort still stops).
 */
export async function speakersOf(run: RunContext, settings: RunSettings, deps: RunDeps, context: SessionContext, input: { pcmPath: string; regions: SpeechRegion[] }): Promise<SpeakersDoc> {
  const embedder = deps.embedder!;
  const t0 = Date.now();
  const pcm = await PcmFile.open(input.pcmPath);
  try {
    const found = await run.stage('speakers', 'Speakers', () =>
      identifyTurns(pcm, input.regions, embedder, {
        hints: settings.speakers,
        context,
        readSample: voiceSampleReader(deps.context, deps.workDir, deps.tools, deps.signal),
        signal: deps.signal,
        onProgress: (f) => deps.progress.update(f),
      }),
    );
    for (const w of found.warnings) deps.log.warn(w);
    for (const names of found.recounts) deps.log.info(`Speakers counted again: ${names.join(' and ')} had been heard as another player's voice; their voice samples told them apart`);
    deps.log.info(`Speakers: ${found.summaries.map((s) => `${s.name} (${s.source})`).join(', ') || 'none found'}`);
    return { version: 1, turns: found.turns, summaries: found.summaries, embedder: embedder.description, warnings: found.warnings, seconds: (Date.now() - t0) / 1000 };
  } catch (err) {
    const cause = err instanceof StageError ? err.cause : err;
    if (cause instanceof AbortedError || deps.signal?.aborted) throw err;
    const warning = `Speakers were not identified (${errorMessage(cause)}); the transcript has no names.`;
    deps.log.warn(warning);
    return { version: 1, summaries: [], warnings: [warning], seconds: (Date.now() - t0) / 1000 };
  } finally {
    await pcm.close();
  }
}

function noAudio(input: string, skipped: readonly SkippedFile[]): string {
  const why = skipped.length > 0 ? ` Skipped: ${skipped.slice(0, 20).map((s) => `${s.name} (${s.reason})`).join('; ')}${skipped.length > 20 ? `; and ${skipped.length - 20} more` : ''}.` : '';
  return `No audio to transcribe in ${input}.${why} Add .m4a, .mp3, .wav, .ogg or .flac recordings.`;
}

/**
 * What the report says of the speech set aside as talk far from the table (stages/vad.ts), when there is enough of it
 * to matter (a few murmurs are not worth a warning): how much, where, and how to keep it.
 */
export function faintTalk(faint: readonly SpeechRegion[], faintDb: number): string | undefined {
  const seconds = speechSeconds(faint);
  if (seconds < FAINT_WARNING_SECONDS) return undefined;
  const wider = Math.min(120, faintDb + 15);
  // Murmurs half a minute apart or less are one far conversation: where it lies, not each breath of it.
  const stretches = mergeSpans(faint, 30);
  const at = stretches.slice(0, 5).map((r) => `${clock(r.start)}–${clock(r.end)}`).join(', ') + (stretches.length > 5 ? '…' : '');
  return (
    `${Math.round(seconds)} s of faint speech, ${faintDb} dB or more under the voices at the table (at ${at}), was left out as ` +
    `talk far from the table (a TV, the next room). If a player sat far from the phone, run again keeping it: ` +
    `vad_faint_db: ${wider} in _READY, --vad-faint-db ${wider} or VAD_FAINT_DB=${wider}.`
  );
}
const FAINT_WARNING_SECONDS = 5;

export function noSpeech(threshold: number): string {
  const lower = Math.max(0.05, Math.round((threshold - 0.2) * 100) / 100);
  return (
    `No speech was found in the recordings (speech detection threshold ${threshold}), so nothing was transcribed. ` +
    `If there is speech, it may be very quiet or far from the microphone: run again with a lower threshold, ` +
    `e.g. vad_threshold: ${lower} in _READY, --vad-threshold ${lower} or VAD_THRESHOLD=${lower}.`
  );
}
