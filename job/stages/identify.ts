import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, extname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContextLocation } from '../context.js';
import type { FfmpegTools } from '../engines/ffmpeg.js';
import { readVoiceSample } from '../diarize/read-sample.js';
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

/**
 * Reads voice samples named in context.yaml, relative to the context file: straight from the disk when the context
 * is a local file (where `../voices/a.wav` and absolute paths are fine), otherwise downloaded from its store into
 * `workDir` first (a path leaving the context's folder is refused there: keys have no `..`).
 */
export function voiceSampleReader(location: ContextLocation | undefined, workDir: string, tools: FfmpegTools): ReadSample {
  return async (path) => {
    if (!location) return new Error('no context file to find it beside');
    const contextFolder = posix.dirname(location.key);
    if (location.store.uri.startsWith('file://')) {
      const folder = fileURLToPath(location.store.uri.replace(/\/?$/, '/'));
      return readVoiceSample(tools, resolve(folder, contextFolder, path));
    }
    const key = posix.normalize(posix.join(contextFolder, path));
    if (posix.isAbsolute(path) || key.startsWith('..')) {
      return new Error(`${path} is outside the folder of context.yaml; put the sample beside it and name it relative to it`);
    }
    if (!(await location.store.stat(key))) return new Error(`${location.store.uriOf(key)} was not found`);
    const local = join(workDir, 'voices', `${randomUUID()}${extname(key)}`);
    await mkdir(dirname(local), { recursive: true });
    await location.store.download(key, local);
    try {
      return await readVoiceSample(tools, local);
    } finally {
      await rm(local, { force: true });
    }
  };
}
