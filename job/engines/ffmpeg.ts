import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { AbortedError, InputError } from '../../lib/errors.js';
import { SAMPLE_RATE, toFloat } from '../audio/pcm.js';
import { track } from '../cleanup.js';

/**
 * ffprobe/ffmpeg as child processes: they read every container and codec a recorder produces, and decoding streams
 * 16 kHz mono s16le through a pipe so no file is ever held in memory.
 */
export interface FfmpegTools {
  ffmpeg: string;
  ffprobe: string;
}

export function ffmpegTools(env: Record<string, string | undefined> = process.env): FfmpegTools {
  return { ffmpeg: env.FFMPEG_PATH || 'ffmpeg', ffprobe: env.FFPROBE_PATH || 'ffprobe' };
}

export interface ProbeResult {
  duration: number;
  format: string;
  codec: string;
  channels: number;
  sampleRate: number;
  /** Every audio stream, in order (an OBS recording may hold one per source). The fields above are the first one's. */
  streams: Array<{ codec: string; channels: number; duration: number }>;
}

/** Probes a file; throws InputError naming the file with ffprobe's reason when it holds no decodable audio. */
export async function probeAudio(tools: FfmpegTools, path: string, displayName = path): Promise<ProbeResult> {
  const args = ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,channels,sample_rate,duration:format=format_name,duration', '-of', 'json', path];
  const { code, stdout, stderr } = await capture(tools.ffprobe, args);
  if (code !== 0) throw new InputError(`${displayName}: not readable audio (ffprobe: ${firstLine(stderr) || `exit ${code}`})`, displayName);
  let info: { streams?: Array<Record<string, unknown>>; format?: Record<string, unknown> };
  try {
    info = JSON.parse(stdout);
  } catch {
    throw new InputError(`${displayName}: ffprobe gave unreadable output`, displayName);
  }
  const audioStreams = (info.streams ?? []).filter((s) => s.codec_type === 'audio');
  const audio = audioStreams[0];
  if (!audio) throw new InputError(`${displayName}: no audio stream (ffprobe found ${describeStreams(info.streams)})`, displayName);
  // The stream's duration excludes codec padding (AAC's last frame); the container's is the fallback.
  const streamDuration = Number(audio.duration ?? NaN);
  const duration = streamDuration > 0 ? streamDuration : Number(info.format?.duration ?? NaN);
  if (!(duration > 0)) throw new InputError(`${displayName}: the audio is empty (duration ${info.format?.duration ?? 'unknown'})`, displayName);
  return {
    duration,
    format: String(info.format?.format_name ?? 'unknown'),
    codec: String(audio.codec_name ?? 'unknown'),
    channels: Number(audio.channels ?? 0),
    sampleRate: Number(audio.sample_rate ?? 0),
    streams: audioStreams.map((s) => ({ codec: String(s.codec_name ?? 'unknown'), channels: Number(s.channels ?? 0), duration: Number(s.duration ?? NaN) > 0 ? Number(s.duration) : duration })),
  };
}

/**
 * Decodes an audio stream of `path` (the first unless `stream` says which) to 16 kHz mono s16le, written to `sink`
 * as it arrives (back-pressure respected): all channels mixed down, or only `channel` (a recorder's one mic per
 * channel). Resolves with the number of samples written; rejects with InputError naming the file and ffmpeg's
 * reason when decoding fails, AbortedError on abort.
 */
export function decodeToPcm(
  tools: FfmpegTools,
  path: string,
  sink: Writable,
  options: { displayName?: string; signal?: AbortSignal; onSamples?: (total: number) => void; stream?: number; channel?: number } = {},
): Promise<number> {
  const name = options.displayName ?? path;
  const pick = options.channel !== undefined ? ['-af', `pan=mono|c0=c${Math.trunc(options.channel)}`] : [];
  const args = ['-nostdin', '-v', 'error', '-i', path, '-map', `0:a:${Math.trunc(options.stream ?? 0)}`, '-vn', ...pick, '-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1'];
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new AbortedError());
    const child = track(spawn(tools.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let stderr = '';
    let bytes = 0;
    let odd: Buffer | undefined; // a sample split across two pipe reads
    let settled = false;
    const onAbort = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(bytes / 2);
    };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 8192) stderr += d;
    });
    child.stdout.on('data', (chunk: Buffer) => {
      let data = odd ? Buffer.concat([odd, chunk]) : chunk;
      odd = undefined;
      if (data.length % 2 === 1) {
        odd = data.subarray(data.length - 1);
        data = data.subarray(0, data.length - 1);
      }
      bytes += data.length;
      options.onSamples?.(bytes / 2);
      if (!sink.write(data)) {
        child.stdout.pause();
        sink.once('drain', () => child.stdout.resume());
      }
    });
    child.on('error', (err) => finish(new Error(`Cannot run ${tools.ffmpeg}: ${err.message}. Install ffmpeg or set FFMPEG_PATH.`)));
    child.on('close', (code, signal) => {
      if (options.signal?.aborted) return finish(new AbortedError());
      if (code !== 0) return finish(new InputError(`${name}: decoding failed (ffmpeg: ${firstLine(stderr) || `exit ${code ?? signal}`})`, name));
      if (bytes === 0) return finish(new InputError(`${name}: decoding produced no audio (ffmpeg: ${firstLine(stderr) || 'no samples'})`, name));
      finish();
    });
  });
}

/**
 * Decodes the first `maxSeconds` of a short recording (a voice sample) to 16 kHz mono floats in memory. Bounded on
 * purpose: a sample is a few seconds of one voice, and a whole session named by mistake must not fill the memory.
 * Throws InputError with ffmpeg's reason when the file holds no decodable audio.
 */
export function decodeSample(tools: FfmpegTools, path: string, options: { maxSeconds?: number; displayName?: string; signal?: AbortSignal } = {}): Promise<Float32Array> {
  const name = options.displayName ?? path;
  const args = ['-nostdin', '-v', 'error', '-i', path, '-t', String(options.maxSeconds ?? 120), '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1'];
  return runFfmpeg(tools, args, { signal: options.signal, stdout: true }, (why) => new InputError(`${name}: decoding failed (ffmpeg: ${why})`, name)).then((pcm) => {
    // Copied into an aligned buffer: Int16Array needs an even byte offset.
    const samples = new Int16Array(Math.floor(pcm.length / 2));
    Buffer.from(samples.buffer).set(pcm.subarray(0, samples.length * 2));
    return toFloat(samples);
  });
}

/** The listening copy's bit rate: speech stays clear, and 4 hours are about 43 MB. */
export const LISTENING_BITRATE = '24k';

/**
 * Encodes the session's decoded audio (16 kHz mono s16le files, each on the session's timeline: one for a mixed
 * session, one per track for a multitrack one, mixed together) to mono Ogg Opus for listening. From the decoded
 * timeline rather than the recordings, so that a time in the transcript is the same time in the audio whatever the
 * files' padding or offsets. Rejects with ffmpeg's reason; AbortedError on abort.
 */
export function encodeListening(tools: FfmpegTools, pcmPaths: readonly string[], outPath: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  if (pcmPaths.length === 0) return Promise.reject(new Error('No audio to encode'));
  const inputs = pcmPaths.flatMap((p) => ['-f', 's16le', '-ar', String(SAMPLE_RATE), '-ac', '1', '-i', p]);
  // Tracks are summed as they are (normalize=0): each holds one voice, so the sum is the table as it sounded.
  const mix = pcmPaths.length > 1 ? ['-filter_complex', `amix=inputs=${pcmPaths.length}:duration=longest:normalize=0`] : [];
  const args = ['-nostdin', '-v', 'error', '-y', ...inputs, ...mix, '-ac', '1', '-c:a', 'libopus', '-b:a', LISTENING_BITRATE, '-application', 'voip', '-f', 'ogg', outPath];
  return runFfmpeg(tools, args, { signal: options.signal, stdout: false }, (why) => new Error(`Encoding ${outPath} failed (ffmpeg: ${why})`)).then(() => undefined);
}

/**
 * Cuts `spans` (seconds) out of an audio file and joins them into one Ogg/Opus file: a voice sample made from a
 * session. Each span is its own input, seeked before decoding (fast on a 4-hour file), and the concat filter joins
 * them.
 */
export function cutClip(tools: FfmpegTools, input: string, spans: ReadonlyArray<{ start: number; end: number }>, outPath: string, options: { signal?: AbortSignal } = {}): Promise<void> {
  if (spans.length === 0) return Promise.reject(new Error('No span to cut'));
  const inputs = spans.flatMap((s) => ['-ss', s.start.toFixed(3), '-t', (s.end - s.start).toFixed(3), '-i', input]);
  const join = `${spans.map((_, i) => `[${i}:a]`).join('')}concat=n=${spans.length}:v=0:a=1[clip]`;
  const args = ['-nostdin', '-v', 'error', '-y', ...inputs, '-filter_complex', join, '-map', '[clip]', '-ac', '1', '-c:a', 'libopus', '-b:a', CLIP_BITRATE, '-application', 'voip', '-f', 'ogg', outPath];
  return runFfmpeg(tools, args, { signal: options.signal, stdout: false }, (why) => new Error(`Cutting ${outPath} failed (ffmpeg: ${why})`)).then(() => undefined);
}

/** A voice sample is worth a little more than the listening copy: it is listened to closely, and embedded again. */
export const CLIP_BITRATE = '32k';

function capture(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => reject(new Error(`Cannot run ${cmd}: ${err.message}. Install ffmpeg or set FFPROBE_PATH.`)));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function firstLine(text: string): string {
  // ffmpeg prefixes lines with the input path; keep the reason, which is what a user can act on.
  const line = text.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  return line.replace(/^.*?:\s(?=[A-Z])/, '').slice(0, 300);
}

function describeStreams(streams: Array<Record<string, unknown>> | undefined): string {
  if (!streams || streams.length === 0) return 'no streams';
  return streams.map((s) => `${String(s.codec_type)} (${String(s.codec_name)})`).join(', ');
}

/**
 * ffmpeg for a bounded job: its stdout kept in memory when asked (a voice sample), its stderr's first 8 KB for the
 * reason, killed on abort. Resolves with stdout when it exits 0; rejects with `fail(reason)`, or AbortedError.
 */
function runFfmpeg(tools: FfmpegTools, args: string[], options: { signal?: AbortSignal; stdout: boolean }, fail: (why: string) => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new AbortedError());
    const child = track(spawn(tools.ffmpeg, args, { stdio: ['ignore', options.stdout ? 'pipe' : 'ignore', 'pipe'] }));
    const chunks: Buffer[] = [];
    let stderr = '';
    const onAbort = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout?.on('data', (c: Buffer) => chunks.push(c));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 8192) stderr += d;
    });
    child.on('error', (err) => reject(new Error(`Cannot run ${tools.ffmpeg}: ${err.message}. Install ffmpeg or set FFMPEG_PATH.`)));
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (options.signal?.aborted) return reject(new AbortedError());
      if (code !== 0) return reject(fail(firstLine(stderr) || `exit ${code ?? signal}`));
      resolve(Buffer.concat(chunks));
    });
  });
}
