import type { AsrResult, AsrSegment, AsrToken } from '../engines/asr.js';
import type { SpeechRegion } from '../engines/vad.js';
import type { Segment, Word } from '../transcript.js';
import type { Chunk } from './chunk.js';
import { roundTo } from '../round.js';
import { foldText } from './fold.js';

/**
 * Joins per-chunk ASR results on the session timeline. A segment belongs to the chunk whose keep range holds its
 * middle, so text in an overlap appears once; a segment repeated across a cut with slightly different timings is
 * caught by comparing text. Pure.
 */
export interface ChunkResult {
  chunk: Chunk;
  result: AsrResult;
}

export function mergeChunks(results: readonly ChunkResult[]): Segment[] {
  const merged: Segment[] = [];
  for (const { chunk, result } of [...results].sort((a, b) => a.chunk.start - b.chunk.start)) {
    const before = merged.length;
    for (const s of result.segments) {
      const segment = toSegment(s, chunk.start, result.language);
      if (!segment.text) continue;
      const middle = (segment.start + segment.end) / 2;
      if (middle < chunk.keepStart || middle >= chunk.keepEnd) continue;
      // Only across a cut: repeats inside one chunk are the quality filter's to judge (and to list).
      const previous = merged.length === before ? merged[merged.length - 1] : undefined;
      if (previous && isRepeat(previous, segment)) continue;
      merged.push(segment);
    }
  }
  return merged;
}

/**
 * Whisper invents text in silence ("Sous-titres réalisés par la communauté d'Amara.org"); segments that barely
 * touch any speech region are dropped.
 */
export function dropOutsideSpeech(segments: readonly Segment[], regions: readonly SpeechRegion[], minOverlap = 0.1): Segment[] {
  if (regions.length === 0) return [...segments];
  return segments.filter((s) => {
    let overlap = 0;
    for (const r of regions) overlap += Math.max(0, Math.min(s.end, r.end) - Math.max(s.start, r.start));
    return overlap >= Math.min(minOverlap, (s.end - s.start) / 2);
  });
}

function toSegment(s: AsrSegment, offset: number, lang: string): Segment {
  const words = tokensToWords(s.tokens, offset);
  return {
    start: roundTo(s.start + offset, 3),
    end: roundTo(Math.max(s.end, s.start) + offset, 3),
    text: s.text.trim(),
    lang,
    ...(words.length > 0 ? { words } : {}),
    ...(s.avgLogprob !== undefined ? { avgLogprob: s.avgLogprob } : {}),
  };
}

/** Whisper tokens are word pieces; a piece starting with a space starts a new word. */
export function tokensToWords(tokens: readonly AsrToken[], offset = 0): Word[] {
  const words: Word[] = [];
  let current: { text: string; start: number; end: number; probs: number[] } | undefined;
  const flush = () => {
    if (current && current.text.trim()) {
      words.push({
        text: current.text.trim(),
        start: roundTo(current.start + offset, 3),
        end: roundTo(current.end + offset, 3),
        probability: roundTo(Math.min(...current.probs), 3),
      });
    }
    current = undefined;
  };
  for (const t of tokens) {
    if (!current || /^\s/.test(t.text)) {
      flush();
      current = { text: t.text, start: t.start, end: t.end, probs: [t.probability] };
    } else {
      current.text += t.text;
      current.end = Math.max(current.end, t.end);
      current.probs.push(t.probability);
    }
  }
  flush();
  return words;
}

function isRepeat(previous: Segment, next: Segment): boolean {
  if (next.start > previous.end + 1) return false;
  const a = foldText(previous.text);
  const b = foldText(next.text);
  if (!a || !b) return false;
  return a === b || (b.length >= 8 && a.endsWith(b)) || (a.length >= 8 && b.startsWith(a));
}

