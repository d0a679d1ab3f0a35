import { rm } from 'node:fs/promises';
import type { AsrResult, AsrSegment } from '../engines/asr.js';
import { cutChunkWav } from './asr.js';
import { loopSpans } from './quality.js';

/**
 * A second chance for the spans of a chunk where Whisper looped: each is transcribed once more, fresh (no prompt, no
 * text carried between windows, temperature fallback: what Whisper itself does to a window that fails, applied to the
 * whole span), and the second result replaces the first when it holds text and does not loop itself. Bounded: each span once, at most
 * MAX_RETRIES spans a chunk; the quality filter then removes whatever loop is left. Runs right after a chunk's ASR,
 * where its audio is at hand, so the checkpointed result already holds the retries.
 */
export const MAX_RETRIES = 8;
/** Audio taken around a span, so that its first and last words are whole. */
const PAD_SECONDS = 0.5;

export interface LoopRetry {
  /** Seconds in the chunk's audio. */
  start: number;
  end: number;
  /** second: the new transcription replaced the loop; first: it looped too, the first was kept. */
  kept: 'first' | 'second';
}

export async function retryLoops(
  wavPath: string,
  result: AsrResult,
  transcribe: (spanWav: string) => Promise<AsrResult>,
  /** Where the spans' audio goes: `<prefix>-loop-<i>.wav`. */
  scratchPrefix: string,
): Promise<{ result: AsrResult; retries: LoopRetry[] }> {
  const spans = loopSpans(result.segments).slice(0, MAX_RETRIES);
  let segments = result.segments;
  const retries: LoopRetry[] = [];
  for (const [i, span] of spans.entries()) {
    const from = Math.max(0, span.start - PAD_SECONDS);
    const to = span.end + PAD_SECONDS;
    const wav = `${scratchPrefix}-loop-${i}.wav`;
    let second: AsrResult;
    try {
      await cutChunkWav(wavPath, { start: from, end: to }, wav);
      second = await transcribe(wav);
    } finally {
      await rm(wav, { force: true });
    }
    // The lines of the span are swapped, judged by their middle: the padding only gives the recogniser whole words.
    const inside = (s: AsrSegment) => middle(s) >= span.start && middle(s) <= span.end;
    const shifted = second.segments.map((s) => shift(s, from)).filter(inside);
    // An empty answer is no better: the span held speech enough for Whisper to loop on.
    const better = shifted.some((s) => s.text.trim()) && loopSpans(shifted).length === 0;
    retries.push({ start: span.start, end: span.end, kept: better ? 'second' : 'first' });
    if (better) segments = [...segments.filter((s) => !inside(s)), ...shifted].sort((a, b) => a.start - b.start);
  }
  return { result: { ...result, segments }, retries };
}

const middle = (s: AsrSegment) => (s.start + s.end) / 2;

function shift(s: AsrSegment, by: number): AsrSegment {
  return { ...s, start: s.start + by, end: s.end + by, tokens: s.tokens.map((t) => ({ ...t, start: t.start + by, end: t.end + by })) };
}
