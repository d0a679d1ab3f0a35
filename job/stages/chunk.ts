import type { SpeechRegion } from '../engines/vad.js';
import { roundTo } from '../round.js';

/**
 * Cuts speech-only audio into chunks for the ASR engine: as many as the tasks need (chunkSecondsFor, chunkCountFor),
 * of equal length, each cut in the silence nearest its place. Consecutive chunks overlap by `overlapSeconds`, centred
 * on the cut, and each chunk "keeps" the part of its transcription between its two cuts, so text in an overlap is
 * kept once. Chunks without speech are dropped. Pure.
 */
export interface Chunk {
  index: number;
  start: number;
  end: number;
  /** Segments whose middle falls in [keepStart, keepEnd) belong to this chunk. */
  keepStart: number;
  keepEnd: number;
  /** Whether the cut ending this chunk fell inside a silence. */
  cutInSilence: boolean;
}

/** The shortest chunk worth a task of its own, seconds (unless the configured maximum is shorter). */
export const MIN_CHUNK_SECONDS = 120;

/**
 * The chunk length for `tasks` parallel tasks: the speech divided into rounds of one chunk per task, as few rounds as
 * `maxSeconds` allows, so that every task gets the same speech (3 h of speech, 8 tasks, 15 min at most: 16 chunks of
 * 11.25 min, two per task). Between MIN_CHUNK_SECONDS and `maxSeconds`. Pure.
 */
export function chunkSecondsFor(speechSeconds: number, tasks: number, maxSeconds: number): number {
  const min = Math.min(MIN_CHUNK_SECONDS, maxSeconds);
  if (!(speechSeconds > 0)) return maxSeconds;
  const rounds = Math.max(1, Math.ceil(speechSeconds / (Math.max(1, tasks) * maxSeconds)));
  return roundTo(Math.min(maxSeconds, Math.max(min, speechSeconds / (rounds * Math.max(1, tasks)))), 3);
}

/** How many chunks of about `chunkSeconds` a stretch of `duration` seconds makes: none longer than max, none under min. */
export function chunkCountFor(duration: number, chunkSeconds: number, maxSeconds: number): number {
  const min = Math.min(MIN_CHUNK_SECONDS, maxSeconds);
  const fewest = Math.max(1, Math.ceil(duration / maxSeconds - 1e-9));
  const most = Math.max(fewest, Math.floor(duration / min));
  return Math.min(most, Math.max(fewest, Math.round(duration / chunkSeconds)));
}

/**
 * `count` chunks of equal length, each cut moved to the middle of the silence (or the `pauses` point) nearest its
 * place, within `searchSeconds` (default a quarter of a chunk, at most 60 s): balanced by the audio's length, which
 * in speech-only audio is the speech. Chunks without speech are dropped. Pure.
 */
export function planBalancedChunks(
  duration: number,
  regions: readonly SpeechRegion[],
  options: { count: number; overlapSeconds: number; searchSeconds?: number; pauses?: readonly number[] },
): Chunk[] {
  const count = Math.max(1, Math.round(options.count));
  const overlap = options.overlapSeconds;
  const size = duration / count;
  if (overlap < 0 || (count > 1 && overlap >= size / 2)) throw new Error('planBalancedChunks: need 0 <= overlap < half a chunk');
  const search = options.searchSeconds ?? Math.min(60, size / 4);
  // Places to cut: the middle of every silence between regions, and the pauses inside them (speech-only audio).
  const places = [...silences(duration, regions).map((g) => (g.start + g.end) / 2), ...(options.pauses ?? [])].sort((a, b) => a - b);
  const cuts: Array<{ at: number; inSilence: boolean }> = [];
  let k = 0;
  for (let i = 1; i < count; i++) {
    const target = i * size;
    const floor = (cuts[cuts.length - 1]?.at ?? 0) + overlap;
    while (k < places.length && places[k]! < target - search) k++;
    let best: number | undefined;
    for (let j = k; j < places.length && places[j]! <= target + search; j++) {
      const at = places[j]!;
      if (at > floor && at < duration && (best === undefined || Math.abs(at - target) < Math.abs(best - target))) best = at;
    }
    cuts.push(best === undefined ? { at: Math.max(target, floor), inSilence: false } : { at: best, inSilence: true });
  }
  const chunks: Chunk[] = [];
  for (let i = 0; i < count; i++) {
    const keepStart = i === 0 ? 0 : cuts[i - 1]!.at;
    const keepEnd = i === count - 1 ? duration : cuts[i]!.at;
    chunks.push({
      index: 0,
      start: Math.max(0, keepStart - (i === 0 ? 0 : overlap / 2)),
      end: Math.min(duration, keepEnd + (i === count - 1 ? 0 : overlap / 2)),
      keepStart,
      keepEnd,
      cutInSilence: i < count - 1 && cuts[i]!.inSilence,
    });
  }
  return chunks
    .filter((c) => regions.length === 0 || regions.some((r) => r.end > c.keepStart && r.start < c.keepEnd))
    .map((c, index) => ({ ...c, index, start: roundTo(c.start, 3), end: roundTo(c.end, 3), keepStart: roundTo(c.keepStart, 3), keepEnd: roundTo(c.keepEnd, 3) }));
}

/** The silences between speech regions (and before the first / after the last). */
export function silences(duration: number, regions: readonly SpeechRegion[]): SpeechRegion[] {
  const out: SpeechRegion[] = [];
  let cursor = 0;
  for (const r of [...regions].sort((a, b) => a.start - b.start)) {
    if (r.start > cursor) out.push({ start: cursor, end: r.start });
    cursor = Math.max(cursor, r.end);
  }
  if (duration > cursor) out.push({ start: cursor, end: duration });
  return out;
}
