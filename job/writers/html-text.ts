import type { Correction } from '../transcript.js';

/**
 * Spoken text as HTML for transcript.html: everything escaped, glossary names highlighted, and the glossary's
 * corrections marked with what the recogniser had written. Pure. Marks are found on the text as the page shows it
 * (one line, cleaned), as character ranges; `markedHtml` writes them without ever letting text become markup.
 */
export interface TextMark {
  from: number;
  to: number;
  kind: 'name' | 'fix';
  /** fix: what the tooltip says (the words heard). */
  note?: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text and attribute values alike: nothing from a transcript can open a tag or leave an attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

const WORD = /[\p{L}\p{N}]+/gu;
const isWordChar = (ch: string | undefined) => ch !== undefined && /[\p{L}\p{N}]/u.test(ch);

/**
 * Case and accents folded away, one character for one (é → e, É → e), so that positions in the folded text are
 * positions in the text. A character that would not fold to one (a ligature) stays as it is.
 */
export function foldSameLength(text: string): string {
  let out = '';
  for (const ch of text) {
    const folded = ch.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    out += folded.length === ch.length ? folded : ch;
  }
  return out;
}

/**
 * Finds glossary names in a text, whatever their case and accents, on whole words, longest name first where two
 * start at the same word. Names are looked up by their first word, so a session's 2,000 names cost one map lookup per
 * word of text (an alternation of them all would be tried at every character).
 */
export function nameFinder(names: readonly string[]): (text: string) => TextMark[] {
  const byFirstWord = new Map<string, string[]>();
  for (const name of new Set(names.map((n) => foldSameLength(n.trim())).filter(Boolean))) {
    const first = name.match(WORD)?.[0];
    if (!first) continue;
    byFirstWord.set(first, [...(byFirstWord.get(first) ?? []), name].sort((a, b) => b.length - a.length));
  }
  return (text) => {
    const marks: TextMark[] = [];
    if (byFirstWord.size === 0) return marks;
    const lower = foldSameLength(text);
    let reached = 0;
    for (const word of lower.matchAll(WORD)) {
      const at = word.index;
      if (at < reached) continue;
      for (const name of byFirstWord.get(word[0]) ?? []) {
        const end = at + name.length;
        const before = text[at - 1];
        if (lower.startsWith(name, at) && !isWordChar(text[end]) && !isWordChar(before)) {
          marks.push({ from: at, to: end, kind: 'name' });
          reached = end;
          break;
        }
      }
    }
    return marks;
  };
}

export interface PlacedSegment {
  start: number;
  end: number;
  speaker?: string;
  /** The text as the page shows it. */
  text: string;
}

/** How far (seconds) a correction's time may be from its segment's: times come from word timings, segments are cut around them. */
const TIME_SLACK = 0.5;

/**
 * Where each correction's name stands: in a segment whose time overlaps the correction's (the same speaker's first),
 * the first whole-word occurrence of the name (case and accents aside) not already taken by another correction. A
 * correction whose name is not found (the text was changed since) is left out rather than put on the wrong word.
 * Returns marks per segment index.
 */
export function placeCorrections(
  segments: readonly PlacedSegment[],
  corrections: readonly Correction[],
  note: (c: Correction) => string,
): Map<number, TextMark[]> {
  const placed = new Map<number, TextMark[]>();
  for (const c of corrections) {
    const after = c.after.trim();
    if (!after) continue;
    const candidates: number[] = [];
    for (let i = firstNear(segments, c.start); i < segments.length && segments[i]!.start <= c.end + TIME_SLACK; i++) {
      if (segments[i]!.end >= c.start - TIME_SLACK) candidates.push(i);
    }
    candidates.sort((a, b) => Number(segments[b]!.speaker === c.speaker) - Number(segments[a]!.speaker === c.speaker));
    for (const i of candidates) {
      const taken = placed.get(i) ?? [];
      const from = findWhole(segments[i]!.text, after, taken);
      if (from < 0) continue;
      placed.set(i, [...taken, { from, to: from + after.length, kind: 'fix', note: note(c) }]);
      break;
    }
  }
  return placed;
}

/** A segment is never longer than this (Whisper's are at most 30 s): where to start looking back for overlaps. */
const LONGEST_SEGMENT = 600;

/** Index of the first segment that starts after `time - LONGEST_SEGMENT` (segments in time order, as kept). */
function firstNear(segments: readonly PlacedSegment[], time: number): number {
  let lo = 0;
  let hi = segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (segments[mid]!.start < time - LONGEST_SEGMENT) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first whole-word occurrence of `word` in `text` (case and accents aside) that no mark holds yet, or -1. */
function findWhole(text: string, word: string, taken: readonly TextMark[]): number {
  const haystack = foldSameLength(text);
  const needle = foldSameLength(word);
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const end = at + needle.length;
    if (isWordChar(text[at - 1]) || isWordChar(text[end])) continue;
    if (taken.some((m) => m.from < end && at < m.to)) continue;
    return at;
  }
  return -1;
}

/**
 * The text with its marks as HTML. Corrections win over names where they overlap (a corrected name is a glossary
 * name too); marks are written in order, each escaped.
 */
export function markedHtml(text: string, marks: readonly TextMark[]): string {
  const fixes = marks.filter((m) => m.kind === 'fix');
  const kept = [...fixes, ...marks.filter((m) => m.kind === 'name' && !fixes.some((f) => f.from < m.to && m.from < f.to))].sort((a, b) => a.from - b.from);
  let out = '';
  let at = 0;
  for (const m of kept) {
    if (m.from < at || m.to > text.length) continue;
    out += escapeHtml(text.slice(at, m.from));
    const inner = escapeHtml(text.slice(m.from, m.to));
    out += m.kind === 'fix' ? `<span class="fix gl" data-was="${escapeHtml(m.note ?? '')}" tabindex="0">${inner}</span>` : `<span class="gl">${inner}</span>`;
    at = m.to;
  }
  return out + escapeHtml(text.slice(at));
}
