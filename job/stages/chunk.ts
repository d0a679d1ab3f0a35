import type { SpeechRegion } from '../engines/vad.js';
import { roundTo } from '../round.js';

/**
 * Cuts the session timeline into chunks of at most `maxSeconds` for the ASR engine. Each cut is placed in the middle
 * of the longest silence found in the last `searchSeconds` before the limit; with no silence there, it falls at the
 * limit. Consecutive chunks overlap by `overlapSeconds`, centred on the cut, and each chunk "keeps" the part of its
 * transcription between its two cuts, so text in an overlap is kept once. Chunks without speech are dropped. Pure.
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

export interface ChunkOptions {
  maxSeconds: number;
  overlapSeconds: number;
  /** How far before the limit to look for a silence; default min(120 s, a quarter of a chunk). */
  searchSeconds?: number;
}

export function planChunks(duration: number, regions: readonly SpeechRegion[], options: ChunkOptions): Chunk[] {
  const { maxSeconds: max, overlapSeconds: overlap } = options;
  if (!(max > 0) || overlap < 0 || overlap >= max / 2) throw new Error('planChunks: need 0 <= overlap < max/2');
  const search = Math.min(options.searchSeconds ?? Math.min(120, max / 4), max - 2 * overlap);
  const gaps = silences(duration, regions);
  const chunks: Chunk[] = [];
  let start = 0;
  let keepStart = 0;
  while (duration - start > max) {
    const windowEnd = start + max - overlap / 2;
    const windowStart = Math.max(keepStart + overlap, windowEnd - search);
    const best = longestGapIn(gaps, windowStart, windowEnd);
    const cut = best ? (Math.max(best.start, windowStart) + Math.min(best.end, windowEnd)) / 2 : windowEnd;
    chunks.push({ index: 0, start, end: cut + overlap / 2, keepStart, keepEnd: cut, cutInSilence: best !== undefined });
    start = cut - overlap / 2;
    keepStart = cut;
  }
  chunks.push({ index: 0, start, end: duration, keepStart, keepEnd: duration, cutInSilence: false });
  return chunks
    .filter((c) => regions.length === 0 || regions.some((r) => r.end > c.keepStart && r.start < c.keepEnd))
    .map((c, index) => ({ ...c, index, start: roundTo(c.start, 3), end: roundTo(c.end, 3), keepStart: roundTo(c.keepStart, 3), keepEnd: roundTo(c.keepEnd, 3) }));
}

/** The shortest chunk worth a task of its own, seconds (unless the configured maximum is shorter). */
export const MIN_CHUNK_SECONDS = 120;

/**
 * The chunk length for `tasks` parallel tasks: the speech divided into rounds of one chunk per task, as few rounds as
 * `maxSeconds` allows, so that every task gets the same speech (3 h of speech, 8 tasks, 15 min at most: 16 chunks of
 * 11.25 min, two per task). Between MIN_CHUNK_SECONDS and `maxSeconds`; a little over the exact share, so that cuts
 * moved back to a silence do not leave a sliver of a chunk at the end. Pure.
 */
export function chunkSecondsFor(speechSeconds: number, tasks: number, maxSeconds: number): number {
  const min = Math.min(MIN_CHUNK_SECONDS, maxSeconds);
  if (!(speechSeconds > 0)) return maxSeconds;
  const rounds = Math.max(1, Math.ceil(speechSeconds / (Math.max(1, tasks) * maxSeconds)));
  const share = speechSeconds / (rounds * Math.max(1, tasks));
  return roundTo(Math.min(maxSeconds, Math.max(min, share * 1.03 + 5)), 3);
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

function longestGapIn(gaps: readonly SpeechRegion[], from: number, to: number): SpeechRegion | undefined {
  let best: SpeechRegion | undefined;
  let bestLength = 0;
  for (const g of gaps) {
    const length = Math.min(g.end, to) - Math.max(g.start, from);
    // Later gaps win ties: longer chunks mean fewer of them.
    if (length > 0 && length >= bestLength) {
      best = g;
      bestLength = length;
    }
  }
  return best;
}

