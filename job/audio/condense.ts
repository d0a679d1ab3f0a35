import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { SpeechRegion } from '../engines/vad.js';
import type { Segment, Word } from '../transcript.js';
import { roundTo } from '../round.js';
import { SAMPLE_RATE, type PcmFile } from './pcm.js';

/**
 * Speech-only audio: a track's speech regions laid end to end with a short silence between them, so the ASR engine
 * hears only speech (a 4-hour track with 40 minutes of speech costs 40 minutes of ASR), and the map back to the
 * session's timeline. Regions closer than the gap keep the silence between them.
 */
export interface CondensedPiece {
  /** Where the piece starts in the condensed audio, seconds. */
  at: number;
  /** The piece on the session's timeline, seconds. */
  start: number;
  end: number;
}

export interface CondensedPlan {
  pieces: CondensedPiece[];
  /** Seconds of condensed audio. */
  duration: number;
  /**
   * Where regions closer than the gap were joined inside a piece (the middle of the pause between them), in condensed
   * seconds: places to cut a chunk besides the gaps, since a pause of a few tenths of a second is silence too.
   */
  pauses: number[];
}

/** Silence between pieces: enough for Whisper to end a sentence, little enough to cost nothing. */
export const CONDENSE_GAP_SECONDS = 0.3;

export function condensePlan(regions: readonly SpeechRegion[], gap = CONDENSE_GAP_SECONDS): CondensedPlan {
  const joined: Array<SpeechRegion & { junctions: number[] }> = [];
  for (const r of [...regions].sort((a, b) => a.start - b.start)) {
    const last = joined[joined.length - 1];
    if (last && r.start - last.end <= gap) {
      if (r.start >= last.end) last.junctions.push((last.end + r.start) / 2);
      last.end = Math.max(last.end, r.end);
    } else joined.push({ start: r.start, end: r.end, junctions: [] });
  }
  const pieces: CondensedPiece[] = [];
  const pauses: number[] = [];
  let at = 0;
  for (const r of joined) {
    if (pieces.length > 0) at += gap;
    pieces.push({ at: roundTo(at, 3), start: r.start, end: r.end });
    for (const j of r.junctions) pauses.push(roundTo(at + (j - r.start), 3));
    at += r.end - r.start;
  }
  return { pieces, duration: roundTo(at, 3), pauses };
}

/** The pieces as regions of the condensed audio (for the chunker, which cuts in the silences). */
export function condensedRegions(plan: CondensedPlan): SpeechRegion[] {
  return plan.pieces.map((p) => ({ start: p.at, end: roundTo(p.at + (p.end - p.start), 3) }));
}

/**
 * Regions of the session's timeline (the VAD's, with their probabilities) on the condensed audio: each maps into the
 * piece that holds it; a region outside every piece is left out.
 */
export function regionsToCondensed(plan: CondensedPlan, regions: readonly SpeechRegion[]): SpeechRegion[] {
  const out: SpeechRegion[] = [];
  for (const r of regions) {
    const p = plan.pieces.find((x) => x.start <= r.end && r.start <= x.end);
    if (!p) continue;
    const start = p.at + Math.max(0, r.start - p.start);
    const end = p.at + Math.min(p.end, r.end) - p.start;
    if (end > start) out.push({ ...r, start: roundTo(start, 3), end: roundTo(end, 3) });
  }
  return out;
}

/** The piece a condensed time falls in: the last one starting at or before it (a time in a gap: the piece before). */
function pieceAt(plan: CondensedPlan, t: number): number {
  let lo = 0;
  let hi = plan.pieces.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (plan.pieces[mid]!.at <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A condensed time on the session's timeline, clamped into its piece (a time in a gap goes to the piece's end). */
export function toSessionTime(plan: CondensedPlan, t: number): number {
  if (plan.pieces.length === 0) return t;
  const p = plan.pieces[pieceAt(plan, t)]!;
  return roundTo(Math.min(p.end, p.start + Math.max(0, t - p.at)), 3);
}

/**
 * Segments of the condensed audio on the session's timeline. A segment that spans pieces (Whisper joins what it
 * hears as one sentence) is split at the pieces, by its words' middles, so that no line bridges minutes of other
 * people's talk; a segment without words goes to the piece holding most of it.
 */
export function segmentsToSession(segments: readonly Segment[], plan: CondensedPlan): Segment[] {
  if (plan.pieces.length === 0) return [...segments];
  const out: Segment[] = [];
  for (const s of segments) {
    const first = pieceAt(plan, s.start);
    const last = pieceAt(plan, Math.max(s.start, s.end - 1e-6));
    if (first === last || !s.words || s.words.length === 0) {
      const piece = first === last ? first : mostOf(plan, s, first, last);
      out.push(inPiece(s, plan, piece, s.words));
      continue;
    }
    const groups = new Map<number, Word[]>();
    for (const w of s.words) {
      const piece = pieceAt(plan, (w.start + w.end) / 2);
      groups.set(piece, [...(groups.get(piece) ?? []), w]);
    }
    for (const [piece, words] of [...groups.entries()].sort((a, b) => a[0] - b[0])) {
      out.push(inPiece({ ...s, start: words[0]!.start, end: words[words.length - 1]!.end, text: words.map((w) => w.text).join(' ') }, plan, piece, words));
    }
  }
  return out;
}

function mostOf(plan: CondensedPlan, s: Segment, first: number, last: number): number {
  let best = first;
  let bestOverlap = -1;
  for (let i = first; i <= last; i++) {
    const p = plan.pieces[i]!;
    const overlap = Math.min(s.end, p.at + (p.end - p.start)) - Math.max(s.start, p.at);
    if (overlap > bestOverlap) {
      best = i;
      bestOverlap = overlap;
    }
  }
  return best;
}

function inPiece(s: Segment, plan: CondensedPlan, index: number, words: readonly Word[] | undefined): Segment {
  const p = plan.pieces[index]!;
  const map = (t: number) => roundTo(Math.min(p.end, Math.max(p.start, p.start + (t - p.at))), 3);
  const mapped: Segment = { ...s, start: map(s.start), end: map(s.end) };
  if (words) mapped.words = words.map((w) => ({ ...w, start: map(w.start), end: map(w.end) }));
  return mapped;
}

/** Regions found on the condensed audio (speech detected on it), on the session's timeline, cut at the pieces. */
export function regionsToSession(plan: CondensedPlan, regions: readonly SpeechRegion[]): SpeechRegion[] {
  const out: SpeechRegion[] = [];
  for (const r of regions) {
    for (const p of plan.pieces) {
      const length = p.end - p.start;
      const a = Math.max(r.start, p.at);
      const b = Math.min(r.end, p.at + length);
      if (b > a) out.push({ start: roundTo(p.start + (a - p.at), 3), end: roundTo(p.start + (b - p.at), 3) });
    }
  }
  return out;
}

/** Writes the condensed audio of `pcm` as raw PCM (the session format), streamed in 30 s pieces. */
export async function writeCondensedPcm(pcm: PcmFile, plan: CondensedPlan, path: string): Promise<void> {
  const out = createWriteStream(path);
  const write = async (data: Int16Array) => {
    if (!out.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength))) await once(out, 'drain');
  };
  const step = 30 * SAMPLE_RATE;
  let written = 0;
  for (const p of plan.pieces) {
    // Each piece starts where the plan says, whatever rounding came before.
    const target = Math.round(p.at * SAMPLE_RATE);
    if (target > written) {
      await write(new Int16Array(target - written));
      written = target;
    }
    const first = Math.round(p.start * SAMPLE_RATE);
    const last = Math.round(p.end * SAMPLE_RATE);
    for (let at = first; at < last; at += step) {
      const piece = await pcm.readSamples(at, Math.min(last, at + step));
      await write(piece);
      written += piece.length;
      // Past the end of the file: silence, so that the timing still holds.
      if (piece.length < Math.min(last, at + step) - at) {
        const missing = Math.min(last, at + step) - at - piece.length;
        await write(new Int16Array(missing));
        written += missing;
      }
    }
  }
  out.end();
  await once(out, 'close');
}
