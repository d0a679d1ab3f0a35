import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { errorMessage, InputError, throwIfAborted } from '../lib/errors.js';
import type { SessionContext } from '../lib/contracts/context.js';
import { condensePlan, regionsToSession, writeCondensedPcm } from './audio/condense.js';
import { PcmFile, SAMPLE_RATE } from './audio/pcm.js';
import type { SpeechRegion } from './engines/vad.js';
import { decodeToPcm } from './engines/ffmpeg.js';
import type { RunContext } from './run-context.js';
import type { PlanLane, PlannedFacts } from './parallel/checkpoints.js';
import type { RunDeps, RunSettings } from './run.js';
import { detectSpeech, speechSeconds } from './stages/vad.js';
import { BLEED_FRAME_SAMPLES, frameEnergies, separateBleed } from './tracks/bleed.js';
import { nameTracks } from './tracks/names.js';
import { soundRegions } from './tracks/sound.js';
import type { TrackPlan, TrackSource } from './tracks/plan.js';
import type { SkippedFile, SpeakerSummary } from './transcript.js';
import { roundTo } from './round.js';

/**
 * The plan of a multitrack session (one track per person: Craig, Zoom, one mic each), in data-flow order: decode every
 * track onto the session's timeline → VAD per track → bleed (keep on each track only its own speech) → names from the
 * tracks. Each track is a lane of its own speech-only audio (job/plan.ts chunks it; the finish merges it back onto
 * the timeline with its name). Diarization is free: a track is one person, so no embedder runs.
 */
export interface PlannedTracks {
  lanes: PlanLane[];
  /** Each lane's decoded track (session timeline), on this task's disk. */
  pcmPaths: string[];
  facts: Omit<PlannedFacts, 'mode' | 'markers'> & Required<Pick<PlannedFacts, 'summaries' | 'turns' | 'tracks' | 'suggestions'>>;
}

interface DecodedTrack {
  source: TrackSource;
  pcmPath: string;
  /** Seconds on the timeline, offset included. */
  duration: number;
}

interface HeardTrack extends DecodedTrack {
  regions: SpeechRegion[];
  kept: SpeechRegion[];
  bleedSeconds: number;
}

export async function planLaneTracks(
  run: RunContext,
  settings: RunSettings,
  deps: RunDeps,
  context: SessionContext,
  plan: TrackPlan,
  onDecoded: (pcmPaths: string[]) => void = () => undefined,
): Promise<PlannedTracks> {
  const { signal, progress, log } = deps;
  const dir = join(deps.workDir, 'tracks');
  await mkdir(dir, { recursive: true });

  // Inside the stage: a session none of whose tracks decodes is the decode stage's input error (no retry helps).
  const { decoded, skipped } = await run.stage('decode', 'Decode', async () => {
    const result = await decodeTracks(plan.tracks, dir, deps, (f) => progress.update(f));
    for (const s of result.skipped) log.warn(`Skipped ${s.name}: ${s.reason}`);
    if (result.decoded.length === 0) throw new InputError(`No track could be decoded: ${result.skipped.map((s) => `${s.name} (${s.reason})`).slice(0, 20).join('; ')}. Upload the recordings again.`);
    return result;
  });
  onDecoded(decoded.map((t) => t.pcmPath));

  const heard: HeardTrack[] = await run.stage('vad', 'Speech', async () => {
    const out: Array<DecodedTrack & { regions: SpeechRegion[]; energies: Float32Array }> = [];
    for (const [i, track] of decoded.entries()) {
      const pcm = await PcmFile.open(track.pcmPath);
      try {
        const energies = await energiesOf(pcm, signal);
        const regions = await speechOn(pcm, energies, `${track.pcmPath}.sound`, deps, settings, (f) => progress.update((i + f) / decoded.length, track.source.display));
        out.push({ ...track, regions, energies });
      } finally {
        await pcm.close();
      }
    }
    // Each track keeps the speech it carries loudest; the rest is the other players, heard through its mic.
    const bleed = separateBleed(out.map((t) => ({ energies: t.energies, regions: t.regions })));
    return out.map((t, i) => ({ source: t.source, pcmPath: t.pcmPath, duration: t.duration, regions: t.regions, kept: bleed[i]!.kept, bleedSeconds: bleed[i]!.bleedSeconds }));
  });
  for (const t of heard) {
    log.info(`${t.source.display}: ${Math.round(speechSeconds(t.regions))} s of speech, ${Math.round(t.bleedSeconds)} s of it other players' voices`);
    if (t.regions.length === 0) run.warn(`${t.source.display}: no speech was found on this track (a player who never spoke, or a silent recording); nothing of it is in the transcript`);
  }

  const named = await run.stage('speakers', 'Speakers', async () => {
    const { names, warnings, suggestions } = nameTracks(heard.map((t) => ({ file: t.source.display, identity: t.source.identity })), context);
    run.warn(...warnings);
    // A file's name is a poor name for a person: say how to give a better one (info.txt names are people's names).
    const byFile = heard.filter((t, i) => names[i]!.source === 'label' && t.source.identity.origin === 'file');
    if (byFile.length > 0) {
      run.warn(`${byFile.length === 1 ? 'A track is' : `${byFile.length} tracks are`} named after ${byFile.length === 1 ? 'its file' : 'their files'} (${byFile.map((t) => t.source.identity.label).join(', ')}): report.md lists the context.yaml lines that would give ${byFile.length === 1 ? 'it a name' : 'them names'}`);
    }
    return { names, suggestions };
  });
  log.info(`Tracks: ${heard.map((t, i) => `${t.source.display} → ${named.names[i]!.name}`).join(', ')}`);

  const turns = heard.flatMap((t, i) => t.kept.map((r) => ({ start: r.start, end: r.end, speaker: named.names[i]!.name }))).sort((a, b) => a.start - b.start);
  return {
    lanes: heard.map((t, i) => ({ plan: condensePlan(t.kept), kept: t.kept, speaker: named.names[i]!.name })),
    pcmPaths: heard.map((t) => t.pcmPath),
    facts: {
      sources: heard.map((t) => ({ name: t.source.display, offset: t.source.offset, duration: roundTo(t.duration - t.source.offset, 3), format: `${t.source.file.probe.format}/${t.source.file.probe.streams[t.source.stream]?.codec ?? t.source.file.probe.codec}` })),
      duration: Math.max(...heard.map((t) => t.duration)),
      skipped,
      speechSeconds: heard.reduce((n, t) => n + speechSeconds(t.regions), 0),
      summaries: speakerSummaries(heard, named.names),
      turns,
      tracks: heard.map((t, i) => ({
        file: t.source.display,
        label: t.source.identity.label,
        name: named.names[i]!.name,
        namedBy: named.names[i]!.source,
        offset: t.source.offset,
        duration: roundTo(t.duration - t.source.offset, 3),
        speechSeconds: roundTo(speechSeconds(t.regions), 3),
        keptSeconds: roundTo(speechSeconds(t.kept), 3),
        bleedSeconds: t.bleedSeconds,
      })),
      suggestions: named.suggestions,
    },
  };
}

/**
 * Each track to its own 16 kHz mono file on the session's timeline: `offset` seconds of silence, then the decoded
 * stream (or one channel of it). A track that fails to decode is reported and left out; the others go on.
 */
async function decodeTracks(tracks: readonly TrackSource[], dir: string, deps: RunDeps, onProgress: (fraction: number) => void): Promise<{ decoded: DecodedTrack[]; skipped: SkippedFile[] }> {
  const decoded: DecodedTrack[] = [];
  const skipped: SkippedFile[] = [];
  const expected = tracks.reduce((n, t) => n + (t.file.probe.streams[t.stream]?.duration ?? t.file.probe.duration), 0);
  let before = 0;
  for (const [i, track] of tracks.entries()) {
    const pcmPath = join(dir, `track-${String(i).padStart(3, '0')}.pcm`);
    const sink = createWriteStream(pcmPath);
    const lead = Math.round(track.offset * SAMPLE_RATE);
    let samples = 0;
    try {
      for (let left = lead; left > 0; left -= Math.min(left, 30 * SAMPLE_RATE)) {
        if (!sink.write(Buffer.alloc(Math.min(left, 30 * SAMPLE_RATE) * 2))) await once(sink, 'drain');
      }
      samples = await decodeToPcm(deps.tools, track.file.localPath, sink, {
        displayName: track.display,
        stream: track.stream,
        channel: track.channel,
        signal: deps.signal,
        onSamples: (n) => onProgress(expected > 0 ? (before + n / SAMPLE_RATE) / expected : 0),
      });
      sink.end();
      await once(sink, 'close');
    } catch (err) {
      sink.destroy();
      await once(sink, 'close').catch(() => undefined);
      await rm(pcmPath, { force: true });
      if (!(err instanceof InputError)) throw err;
      skipped.push({ name: track.display, reason: errorMessage(err).replace(`${track.display}: `, '') });
      continue;
    }
    before += samples / SAMPLE_RATE;
    decoded.push({ source: track, pcmPath, duration: (lead + samples) / SAMPLE_RATE });
  }
  return { decoded, skipped };
}

/**
 * Speech on one track. Where most of it is digital silence (Craig's tracks: a player listens more than they talk),
 * the VAD hears only the stretches with sound, laid end to end, and its regions are mapped back: a 4-hour track with
 * 40 minutes of sound costs 40 minutes of speech detection.
 */
async function speechOn(pcm: PcmFile, energies: Float32Array, scratch: string, deps: RunDeps, settings: RunSettings, onProgress: (f: number) => void): Promise<SpeechRegion[]> {
  // A track's faint talk is other players' voices heard from afar; what the bleed stage does not catch goes here.
  const options = { threshold: settings.vad.threshold, faintDb: settings.vad.faintDb, signal: deps.signal, onProgress };
  const sound = soundRegions(energies);
  if (speechSeconds(sound) > SOUND_SHARE_FOR_ALL * pcm.duration) return (await detectSpeech(pcm, deps.vad, options)).regions;
  if (sound.length === 0) return [];
  const plan = condensePlan(sound);
  await writeCondensedPcm(pcm, plan, scratch);
  const condensed = await PcmFile.open(scratch);
  try {
    return regionsToSession(plan, (await detectSpeech(condensed, deps.vad, options)).regions);
  } finally {
    await condensed.close();
    await rm(scratch, { force: true });
  }
}

/** A track with sound on more of its length than this is listened to whole. */
const SOUND_SHARE_FOR_ALL = 0.8;

/** Frame energies of a whole track, read in pieces of whole frames. */
async function energiesOf(pcm: PcmFile, signal: AbortSignal | undefined): Promise<Float32Array> {
  const out = new Float32Array(Math.ceil(pcm.samples / BLEED_FRAME_SAMPLES)).fill(-100);
  const step = BLEED_FRAME_SAMPLES * 1000;
  for (let at = 0; at < pcm.samples; at += step) {
    throwIfAborted(signal);
    frameEnergies(await pcm.readSamples(at, at + step), out, at / BLEED_FRAME_SAMPLES);
  }
  return out;
}

/** Talk time and turns per name (two tracks of one person add up). */
function speakerSummaries(tracks: readonly HeardTrack[], names: ReadonlyArray<{ name: string; source: 'context' | 'override' | 'label' }>): SpeakerSummary[] {
  const byName = new Map<string, SpeakerSummary>();
  tracks.forEach((t, i) => {
    const n = names[i]!;
    const summary = byName.get(n.name) ?? { name: n.name, cluster: t.source.identity.label, talkSeconds: 0, turns: 0, source: n.source === 'label' ? 'track' : n.source };
    summary.talkSeconds = roundTo(summary.talkSeconds + speechSeconds(t.kept), 3);
    summary.turns += t.kept.length;
    byName.set(n.name, summary);
  });
  return [...byName.values()].filter((s) => s.talkSeconds > 0);
}
