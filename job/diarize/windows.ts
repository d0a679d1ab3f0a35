import { throwIfAborted } from '../../lib/errors.js';
import { SAMPLE_RATE, toFloat, type PcmFile } from '../audio/pcm.js';
import { embedWindows, type SpeakerEmbedder } from '../engines/embedder.js';
import type { SpeechRegion } from '../engines/vad.js';

/**
 * Embedding windows inside speech regions: fixed-length windows with overlap, several per turn, so that a speaker
 * change inside a region shows between two windows. Each window belongs to one region; a region too short for a
 * window gets one window centred on it and widened to `minSeconds`, so that every region receives a label.
 */
export interface WindowOptions {
  seconds: number;
  hopSeconds: number;
  minSeconds: number;
}

export const DEFAULT_WINDOWS: WindowOptions = { seconds: 1.5, hopSeconds: 0.75, minSeconds: 0.5 };

export interface Window {
  /** Audio the embedding is computed on, seconds on the session timeline. */
  start: number;
  end: number;
  /** Index of the speech region the window lies in. */
  region: number;
}

export function planWindows(regions: readonly SpeechRegion[], options: WindowOptions = DEFAULT_WINDOWS, duration = Infinity): Window[] {
  const { seconds, hopSeconds, minSeconds } = options;
  const out: Window[] = [];
  regions.forEach((r, region) => {
    const length = r.end - r.start;
    if (!(length > 0)) return;
    if (length <= seconds) {
      const width = Math.max(length, minSeconds);
      const center = (r.start + r.end) / 2;
      const start = Math.max(0, Math.min(center - width / 2, duration - width));
      out.push({ start, end: Math.min(duration, start + width), region });
      return;
    }
    const count = Math.ceil((length - seconds) / hopSeconds - 1e-9) + 1;
    // Spread the windows evenly so the last one ends with the region instead of hanging past it.
    const step = (length - seconds) / (count - 1);
    for (let i = 0; i < count; i++) out.push({ start: r.start + i * step, end: r.start + i * step + seconds, region });
  });
  return out;
}

/** Longest stretch of audio read at once: bounds memory whatever the length of a speech region. */
const MAX_READ_SECONDS = 60;

/**
 * Embeds every window, reading the session audio in stretches of at most a minute of consecutive windows. Returns a
 * row-major [windows × dim] matrix.
 */
export async function embedSessionWindows(
  pcm: PcmFile,
  windows: readonly Window[],
  embedder: SpeakerEmbedder,
  options: { signal?: AbortSignal; onProgress?: (fraction: number) => void } = {},
): Promise<Float32Array> {
  const out = new Float32Array(windows.length * embedder.dim);
  let i = 0;
  while (i < windows.length) {
    throwIfAborted(options.signal);
    let j = i + 1;
    while (j < windows.length && windows[j]!.end - windows[i]!.start <= MAX_READ_SECONDS && windows[j]!.start < windows[j - 1]!.end + 1) j++;
    const first = Math.round(windows[i]!.start * SAMPLE_RATE);
    const samples = await pcm.readSamples(first, Math.round(windows[j - 1]!.end * SAMPLE_RATE));
    const floats = toFloat(samples);
    const spans = windows.slice(i, j).map((w) => {
      const a = Math.max(0, Math.min(floats.length, Math.round(w.start * SAMPLE_RATE) - first));
      return [a, Math.min(floats.length, Math.max(a, Math.round(w.end * SAMPLE_RATE) - first))] as const;
    });
    const embeddings = await embedWindows(embedder, floats, spans);
    embeddings.forEach((e, k) => out.set(e, (i + k) * embedder.dim));
    i = j;
    options.onProgress?.(i / windows.length);
  }
  return out;
}

/** The runs of consecutive windows that share a region: `[first, last)` window indexes per region, in order. */
export function regionRuns(windows: readonly Window[]): Array<{ region: number; first: number; last: number }> {
  const runs: Array<{ region: number; first: number; last: number }> = [];
  for (let i = 0; i < windows.length; i++) {
    const run = runs[runs.length - 1];
    if (run && run.region === windows[i]!.region) run.last = i + 1;
    else runs.push({ region: windows[i]!.region, first: i, last: i + 1 });
  }
  return runs;
}
