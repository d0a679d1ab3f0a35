import { speakerName, type SessionContext } from '../../lib/contracts/context.js';
import { errorMessage } from '../../lib/errors.js';
import { embedWindows, type SpeakerEmbedder } from '../engines/embedder.js';
import type { SpeechRegion } from '../engines/vad.js';
import type { VoiceProfile } from './identify.js';
import { DEFAULT_WINDOWS, planWindows, type WindowOptions } from './windows.js';

/**
 * Embeds the voice samples context.yaml lists, speaker by speaker, with the windows diarization uses so that a
 * sample and a cluster are measured alike; several samples of one speaker pool their windows. A sample that is
 * missing, unreadable, silent or holds too little speech is a problem to report, never a failed run.
 */
export const SAMPLE_PROBLEMS = ['missing', 'outside', 'unreadable', 'silent', 'too-short'] as const;
export type SampleProblemKind = (typeof SAMPLE_PROBLEMS)[number];

/** Why a sample could not be read at all, said by the reader (which alone knows where samples live). */
export class SampleUnavailable extends Error {
  override readonly name = 'SampleUnavailable';
  constructor(
    readonly kind: 'missing' | 'outside' | 'unreadable',
    message: string,
  ) {
    super(message);
  }
}

export interface SampleProblem {
  speakerId: string;
  path: string;
  kind: SampleProblemKind;
  /** Names the file and says what to do. */
  message: string;
}

export interface VoiceSamples {
  profiles: VoiceProfile[];
  problems: SampleProblem[];
}

/** Reads a sample named in context.yaml as 16 kHz mono floats; throws SampleUnavailable when it cannot. */
export type ReadSample = (path: string) => Promise<Float32Array>;

export interface VoiceSampleOptions {
  minSpeechSeconds: number;
  windows: WindowOptions;
}

const UNAVAILABLE: Record<SampleUnavailable['kind'], (why: string) => string> = {
  missing: (why) => `not found; upload it next to context.yaml or remove it from voice_samples (${why})`,
  outside: (why) => `${why}; put the sample in the folder of context.yaml (or below it) and name it relative to it, e.g. voices/alice.wav`,
  unreadable: (why) => `cannot be decoded; export it again as WAV, MP3 or M4A (${why})`,
};

const DEFAULTS: VoiceSampleOptions = { minSpeechSeconds: 1, windows: DEFAULT_WINDOWS };
const SAMPLE_RATE = 16000;

export async function loadVoiceSamples(
  context: SessionContext,
  readSample: ReadSample,
  embedder: SpeakerEmbedder,
  options: Partial<VoiceSampleOptions> = {},
): Promise<VoiceSamples> {
  const settings = { ...DEFAULTS, ...options };
  const profiles: VoiceProfile[] = [];
  const problems: SampleProblem[] = [];
  for (const speaker of context.speakers) {
    const embeddings: Float32Array[] = [];
    let seconds = 0;
    for (const path of speaker.voice_samples) {
      const problem = (kind: SampleProblemKind, why: string) =>
        problems.push({ speakerId: speaker.id, path, kind, message: `voice sample ${path} (speaker ${speaker.id}): ${why}` });
      let samples: Float32Array;
      try {
        samples = await readSample(path);
      } catch (err) {
        const kind = err instanceof SampleUnavailable ? err.kind : 'unreadable';
        problem(kind, UNAVAILABLE[kind](errorMessage(err)));
        continue;
      }
      const regions = speechIn(samples);
      const speech = regions.reduce((s, r) => s + (r.end - r.start), 0);
      if (regions.length === 0) {
        problem('silent', 'holds no speech (silent or nearly); record the speaker talking for 10–30 s');
        continue;
      }
      if (speech < settings.minSpeechSeconds) {
        problem('too-short', `holds only ${speech.toFixed(1)} s of speech; record at least ${settings.minSpeechSeconds} s (10–30 s works best)`);
        continue;
      }
      const windows = planWindows(regions, settings.windows, samples.length / SAMPLE_RATE);
      const spans = windows.map((w) => [Math.round(w.start * SAMPLE_RATE), Math.min(samples.length, Math.round(w.end * SAMPLE_RATE))] as const);
      embeddings.push(...(await embedWindows(embedder, samples, spans)));
      seconds += speech;
    }
    if (embeddings.length > 0) {
      profiles.push({ speakerId: speaker.id, name: speakerName(speaker), embeddings, weight: seconds / settings.windows.seconds });
    }
  }
  return { profiles, problems };
}

const FRAME = 480; // 30 ms
/** Quieter than this (≈ -50 dBFS) is no speech, whatever the gain. */
const SILENCE_RMS = 0.003;
/** Frames more than 35 dB below the loudest are pauses. */
const SPEECH_RANGE = 10 ** (-35 / 20);
const BRIDGE_FRAMES = 10;
const PAD_SECONDS = 0.1;

/**
 * Speech in a voice sample by frame energy. Samples are recorded on purpose, one voice close to the microphone, so
 * loudness tells speech from pauses well enough; the session's VAD model is not needed here.
 */
export function speechIn(samples: Float32Array): SpeechRegion[] {
  const frames = Math.floor(samples.length / FRAME);
  const rms = new Float64Array(frames);
  let loudest = 0;
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let i = f * FRAME; i < (f + 1) * FRAME; i++) sum += samples[i]! * samples[i]!;
    rms[f] = Math.sqrt(sum / FRAME);
    loudest = Math.max(loudest, rms[f]!);
  }
  if (loudest < SILENCE_RMS) return [];
  const floor = Math.max(SILENCE_RMS, loudest * SPEECH_RANGE);
  const regions: SpeechRegion[] = [];
  let start = -1;
  let lastLoud = -1;
  for (let f = 0; f <= frames; f++) {
    const loud = f < frames && rms[f]! >= floor;
    if (loud) {
      if (start < 0) start = f;
      lastLoud = f;
    } else if (start >= 0 && (f === frames || f - lastLoud > BRIDGE_FRAMES)) {
      regions.push({ start: (start * FRAME) / SAMPLE_RATE, end: ((lastLoud + 1) * FRAME) / SAMPLE_RATE });
      start = -1;
    }
  }
  const duration = samples.length / SAMPLE_RATE;
  return regions.map((r) => ({ start: Math.max(0, r.start - PAD_SECONDS), end: Math.min(duration, r.end + PAD_SECONDS) }));
}
