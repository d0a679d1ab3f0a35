/**
 * Speech for tests, made on the spot with espeak-ng (no audio is committed). Voices are espeak-ng voice names with
 * an optional variant (`fr+m3`, `en+f2`); `-p` (pitch) and `-s` (speed) make them more distinct.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { wavHeader } from '../../job/audio/pcm.js';

const run = promisify(execFile);

export interface Voice {
  /** espeak-ng voice, e.g. 'fr+m3'. */
  voice: string;
  pitch?: number;
  speed?: number;
}

/** Four clearly different voices: two French, two English, two male, two female. */
export const TEST_VOICES: readonly Voice[] = [
  { voice: 'fr+m3', pitch: 35, speed: 160 },
  { voice: 'en+f3', pitch: 75, speed: 170 },
  { voice: 'fr+f4', pitch: 60, speed: 150 },
  { voice: 'en-us+m7', pitch: 20, speed: 155 },
];

/** Speaks `text` into a 16 kHz mono s16le WAV file. */
export async function speak(text: string, voice: Voice, outWav: string): Promise<void> {
  const args = ['-v', voice.voice, '-w', outWav + '.22k.wav'];
  if (voice.pitch !== undefined) args.push('-p', String(voice.pitch));
  if (voice.speed !== undefined) args.push('-s', String(voice.speed));
  args.push(text);
  await run('espeak-ng', args);
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', outWav + '.22k.wav', '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', outWav]);
  await rm(outWav + '.22k.wav', { force: true });
}

/** Raw 16 kHz mono s16le samples of a spoken text. */
export async function speakPcm(text: string, voice: Voice): Promise<Int16Array> {
  const dir = await mkdtemp(join(tmpdir(), 'speak-'));
  try {
    const wav = join(dir, 'x.wav');
    await speak(text, voice, wav);
    const { stdout } = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', wav, '-f', 's16le', '-ac', '1', '-ar', '16000', '-'], {
      encoding: 'buffer',
      maxBuffer: 1 << 30,
    });
    const buf = stdout as unknown as Buffer;
    return new Int16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Trims leading/trailing near-silence that espeak leaves around an utterance, so that ground-truth boundaries are
 * the speech itself.
 */
export function trimSilence(pcm: Int16Array, threshold = 300): Int16Array {
  let a = 0;
  let b = pcm.length;
  while (a < b && Math.abs(pcm[a]!) < threshold) a++;
  while (b > a && Math.abs(pcm[b - 1]!) < threshold) b--;
  return pcm.subarray(a, b);
}

/** Writes 16 kHz mono s16le samples as a WAV file's bytes. */
export function wavBytes(pcm: Int16Array, sampleRate = 16000): Buffer {
  return Buffer.concat([wavHeader(pcm.byteLength, sampleRate), Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength)]);
}

export interface Utterance {
  text: string;
  voice: Voice;
  /** Silence before this utterance, seconds. */
  pauseBefore: number;
  speaker?: string;
}

export interface TimedUtterance {
  text: string;
  speaker?: string;
  start: number;
  end: number;
}

/**
 * Lays utterances end to end with the given pauses. Returns the PCM and the exact speech intervals (ground truth).
 */
export async function composeSession(
  utterances: readonly Utterance[],
  tailSilence = 0.5,
): Promise<{ pcm: Int16Array; truth: TimedUtterance[] }> {
  const parts: Int16Array[] = [];
  const truth: TimedUtterance[] = [];
  let cursor = 0;
  for (const u of utterances) {
    const pauseSamples = Math.round(u.pauseBefore * 16000);
    parts.push(new Int16Array(pauseSamples));
    cursor += pauseSamples;
    const speech = trimSilence(await speakPcm(u.text, u.voice));
    parts.push(speech);
    truth.push({ text: u.text, speaker: u.speaker, start: cursor / 16000, end: (cursor + speech.length) / 16000 });
    cursor += speech.length;
  }
  parts.push(new Int16Array(Math.round(tailSilence * 16000)));
  const pcm = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    pcm.set(p, at);
    at += p.length;
  }
  return { pcm, truth };
}
