import type { Marker, Segment } from '../transcript.js';
import { cleanText } from './turns.js';
import { toMs } from './time.js';

/**
 * Subtitle cues shared by SRT and WebVTT, so both files always hold the same cues with the same times. Broadcast
 * practice (EBU, Netflix): at most 42 characters a line and 2 lines a cue, so a long segment becomes several cues,
 * cut at word boundaries and timed by the ASR's word timestamps when there are any, else in proportion to the text.
 * The speaker's name counts against the first line's width because SRT shows it there; WebVTT carries it in a voice
 * tag, which players may show the same way.
 */
export const CUE_LINE_CHARS = 42;
export const CUE_MAX_LINES = 2;
/** Shortest cue where the next one leaves room: shorter flashes cannot be read. */
export const MIN_CUE_MS = 300;
/** A longer name is cut with an ellipsis so that some text still fits on the first line. */
export const MAX_LABEL_CHARS = 16;

export interface Cue {
  startMs: number;
  endMs: number;
  speaker?: string;
  /** The speaker's name as shown in the text, shortened when long. */
  label?: string;
  /** 1 or 2 lines, each within CUE_LINE_CHARS together with `label: ` on the first. */
  lines: string[];
  /** A note taken while recording (Craig's /note), shown as a cue labelled "Note". */
  marker?: boolean;
}

/** A note stays on screen this long (or until the next note). */
export const NOTE_CUE_SECONDS = 4;
export const NOTE_LABEL = 'Note';
/** Two people's cues overlapping by less than this are timing noise and cut; by more, real talk at once, both shown. */
export const MIN_OVERLAP_MS = 500;
/** How far ahead a cue looks for the next one that ends it. */
const LOOKAHEAD = 64;

interface Token {
  text: string;
  /** Written straight after the previous token (a piece of an over-long word). */
  glued: boolean;
  /** Seconds. */
  start: number;
}

export interface CueOptions {
  /** Notes to show as cues. */
  markers?: readonly Marker[];
  /**
   * Whether two people's lines may be on screen together: in a multitrack session they really talked at once (each
   * track has its own line); in a mixed one, lines come from one recogniser and an overlap is timing noise.
   */
  simultaneous?: boolean;
}

export function buildCues(segments: readonly Segment[], options: CueOptions = {}): Cue[] {
  const markers = options.markers ?? [];
  const cues: Cue[] = [];
  const ordered = [...segments].sort((a, b) => a.start - b.start);
  for (const segment of ordered) cues.push(...segmentCues(segment));
  for (const m of markers) {
    cues.push(...segmentCues({ start: m.time, end: m.time + NOTE_CUE_SECONDS, text: m.text, speaker: NOTE_LABEL }).map((c) => ({ ...c, marker: true })));
  }
  // Stable: the cues of one segment keep their order.
  return settle(cues.sort((a, b) => a.startMs - b.startMs), options.simultaneous ?? false);
}

/** Visible width: code points of the NFC form, so that "é" counts once whichever way the ASR spelled it. */
export function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function segmentCues(segment: Segment): Cue[] {
  const text = cleanText(segment.text).normalize('NFC');
  if (!text) return [];
  const label = segment.speaker ? shortLabel(cleanText(segment.speaker)) : undefined;
  const firstWidth = CUE_LINE_CHARS - (label ? width(label) + 2 : 0);
  const tokens = timeTokens(segment, text, firstWidth);

  // Greedy fill; every CUE_MAX_LINES-th line opens a cue and so leaves room for the label.
  const lines: Token[][] = [];
  let line: Token[] = [];
  let used = 0;
  for (const token of tokens) {
    const room = lines.length % CUE_MAX_LINES === 0 ? firstWidth : CUE_LINE_CHARS;
    const add = width(token.text) + (line.length > 0 && !token.glued ? 1 : 0);
    if (line.length > 0 && used + add > room) {
      lines.push(line);
      line = [];
      used = 0;
    }
    used += line.length > 0 && !token.glued ? width(token.text) + 1 : width(token.text);
    line.push(token);
  }
  if (line.length > 0) lines.push(line);

  const groups: Token[][][] = [];
  for (let i = 0; i < lines.length; i += CUE_MAX_LINES) groups.push(lines.slice(i, i + CUE_MAX_LINES));
  const clamp = (t: number) => Math.min(segment.end, Math.max(segment.start, t));
  return groups.map((group, k) => {
    const next = groups[k + 1];
    const start = k === 0 ? segment.start : clamp(group[0]![0]!.start);
    const end = next ? clamp(next[0]![0]!.start) : segment.end;
    return {
      startMs: toMs(start),
      endMs: toMs(end),
      ...(segment.speaker ? { speaker: cleanText(segment.speaker), label } : {}),
      lines: group.map(joinTokens),
    };
  });
}

function joinTokens(tokens: Token[]): string {
  return tokens.map((t, i) => (i > 0 && !t.glued ? ` ${t.text}` : t.text)).join('');
}

function shortLabel(name: string): string {
  return width(name) <= MAX_LABEL_CHARS ? name : `${[...name].slice(0, MAX_LABEL_CHARS - 1).join('')}…`;
}

/**
 * The start time of every word of the text. Word timestamps are used one-to-one when the counts agree (the glossary
 * rewrites words in place); otherwise positions in the text map proportionally onto the timed words, and without
 * words onto the segment's span.
 */
function timeTokens(segment: Segment, text: string, maxWidth: number): Token[] {
  const words = text.split(' ');
  const timed = (segment.words ?? []).filter((w) => Number.isFinite(w.start) && Number.isFinite(w.end));
  const totalChars = words.reduce((n, w) => n + width(w), 0);
  const at = charClock(segment, timed, totalChars);
  const tokens: Token[] = [];
  let offset = 0;
  words.forEach((word, i) => {
    const wordStart = timed.length === words.length ? timed[i]!.start : at(offset);
    const chars = [...word];
    for (let p = 0; p < chars.length; p += maxWidth) {
      const piece = chars.slice(p, p + maxWidth).join('');
      tokens.push({ text: piece, glued: p > 0, start: p === 0 ? wordStart : at(offset + p) });
    }
    offset += chars.length;
  });
  return tokens;
}

function charClock(segment: Segment, words: readonly { text: string; start: number; end: number }[], totalChars: number): (position: number) => number {
  const span = segment.end - segment.start;
  if (words.length === 0 || totalChars === 0) return (p) => segment.start + (totalChars > 0 ? (p / totalChars) * span : 0);
  const lengths = words.map((w) => Math.max(1, width(w.text.replace(/\s+/g, ''))));
  const wordChars = lengths.reduce((a, b) => a + b, 0);
  return (p) => {
    let q = (p / totalChars) * wordChars;
    for (let i = 0; i < words.length; i++) {
      const len = lengths[i]!;
      if (q < len || i === words.length - 1) {
        const w = words[i]!;
        return w.start + Math.min(1, q / len) * (w.end - w.start);
      }
      q -= len;
    }
    return segment.end;
  };
}

/**
 * Makes the sequence playable: speech cues never overlap (a later cue starts where the earlier one ends, or the
 * earlier one is cut back), except, with `simultaneous`, two people talking at once (a multitrack session keeps both
 * lines): they get two cues on screen together, as players stack them, unless they barely touch. Notes are a
 * lane of their own. Every cue at least 1 ms long, and at least MIN_CUE_MS where the next cue leaves room.
 */
function settle(cues: Cue[], simultaneous: boolean): Cue[] {
  const laneEnd = new Map<string, number>();
  let speechEnd = 0;
  cues.forEach((cue, i) => {
    const lane = laneOf(cue, simultaneous);
    let floor = laneEnd.get(lane) ?? 0;
    if (!cue.marker) floor = Math.max(floor, cue.speaker ? (laneEnd.get('') ?? 0) : speechEnd);
    cue.startMs = Math.max(cue.startMs, floor);
    let end = Math.max(cue.endMs, cue.startMs + MIN_CUE_MS);
    for (let j = i + 1; j < Math.min(cues.length, i + LOOKAHEAD); j++) {
      const next = cues[j]!;
      if (next.startMs >= end) break;
      if (clashes(cue, next, end, simultaneous)) {
        end = Math.min(end, Math.max(next.startMs, cue.startMs + 1));
        break;
      }
    }
    cue.endMs = Math.max(end, cue.startMs + 1);
    laneEnd.set(lane, cue.endMs);
    if (!cue.marker) speechEnd = Math.max(speechEnd, cue.endMs);
  });
  return cues;
}

function laneOf(cue: Cue, simultaneous: boolean): string {
  return cue.marker ? '\u0000note' : simultaneous ? (cue.speaker ?? '') : '';
}

/** Whether `next` must wait for `cue` (which would end at `end`). */
function clashes(cue: Cue, next: Cue, end: number, simultaneous: boolean): boolean {
  if (cue.marker || next.marker) return Boolean(cue.marker && next.marker);
  if (!simultaneous) return true;
  if (!cue.speaker || !next.speaker || cue.speaker === next.speaker) return true;
  return Math.min(end, next.endMs) - next.startMs < MIN_OVERLAP_MS;
}
