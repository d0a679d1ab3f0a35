import type { Turn } from './turns.js';

/**
 * A voice sample cut from the session itself, for a speaker left without a name: the longest stretches the
 * diarization gave them, their edges trimmed (a turn's first and last quarter second may hold the voice before or
 * after), up to 20 s. Recorded in the same room with the same phone as the next session, it is the sample that
 * matches best: the player renames it, drops it in context/voices/ and lists it, and the next run names them. Pure.
 */
export interface ClipOptions {
  /** Speech a clip holds at most, seconds. */
  maxSeconds: number;
  /** Less than this and no clip is cut (too little for a sample), seconds. */
  minSeconds: number;
  /** A turn shorter than this (after trimming) is left out: replies and laughs carry little of a voice. */
  minTurnSeconds: number;
  /** Trimmed from each end of a turn. */
  edgeSeconds: number;
}

export const CLIP_DEFAULTS: ClipOptions = { maxSeconds: 20, minSeconds: 6, minTurnSeconds: 1.5, edgeSeconds: 0.25 };

/** The speakers given a clip at most, the most talkative first: bounds the work and the zip. */
export const MAX_CLIPS = 8;

export interface Span {
  start: number;
  end: number;
}

/** The stretches of `speaker` to cut, in time order, or undefined when they hold less than `minSeconds`. */
export function clipSpans(turns: readonly Turn[], speaker: string, options: ClipOptions = CLIP_DEFAULTS): Span[] | undefined {
  const candidates = turns
    .filter((t) => t.speaker === speaker)
    .map((t) => ({ start: t.start + options.edgeSeconds, end: t.end - options.edgeSeconds }))
    .filter((s) => s.end - s.start >= options.minTurnSeconds)
    .sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
  const chosen: Span[] = [];
  let total = 0;
  for (const s of candidates) {
    const room = options.maxSeconds - total;
    if (room < options.minTurnSeconds) break;
    const end = Math.min(s.end, s.start + room);
    chosen.push({ start: s.start, end });
    total += end - s.start;
  }
  return total >= options.minSeconds ? chosen.sort((a, b) => a.start - b.start) : undefined;
}
