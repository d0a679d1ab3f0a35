import { deflateSync } from 'node:zlib';
import type { SpeechRegion } from '../engines/vad.js';
import type { Removal, Segment, SpeakerTurn, Word } from '../transcript.js';
import { mergeSpans } from '../spans.js';
import { foldText } from './fold.js';

/**
 * The quality filter, after ASR, on one lane's merged lines (one recording or one track: where Whisper loops): the
 * ways Whisper goes wrong on long recordings (whisper.cpp #1507, #1949; faster-whisper #777, #506), caught by rule.
 *   repeated-line     the same line three times or more in a row (five for a line of one or two words, which several
 *                     people may say in turn): the first is kept;
 *   repeated-words    a run of words repeated inside a line ("je vais je vais je vais je vais…"): the first kept;
 *   compression       a line of 60 bytes or more that still compresses more than 2.4 times (Whisper's own threshold
 *                     for a failed window);
 *   non-speech-phrase what Whisper learnt from subtitled videos ("Sous-titres réalisés par la communauté
 *                     d'Amara.org", "Thanks for watching") where the audio under it is not clear speech.
 * Ordinary repetition survives: "non, non, non !", a chant said twice, a roll said again. Nothing disappears
 * silently: every removal is returned with its time, text and reason. Pure.
 */
export const COMPRESSION_RATIO_MAX = 2.4;
/** Whisper judges a 30 s window's text; a short line ("Ahhhhhhhhhhhh !") compresses well and is still speech. */
const COMPRESSION_MIN_BYTES = 60;
/** Speech probability, weighted by how much of a line the VAD's regions cover, above which a line is clear speech. */
export const CLEAR_SPEECH = 0.75;

const LINE_RUN = 3;
const SHORT_LINE_RUN = 5;
const SHORT_LINE_WORDS = 2;
/** A run of n words repeated r times in a row is a loop when r ≥ 4 and n·r ≥ 8 (one word: r ≥ 10). */
const NGRAM_MIN_REPEATS = 4;
const NGRAM_MIN_WORDS = 8;
const SINGLE_WORD_MIN_REPEATS = 10;
const NGRAM_MAX = 12;

/** Folded, as foldText writes them; a line that is mostly one of these is the phrase. */
const NON_SPEECH_PHRASES = [
  'sous titres realises par la communaute d amara org',
  'sous titres realises para la communaute d amara org',
  'sous titrage societe radio canada',
  'sous titrage st 501',
  'sous titrage st 777',
  'sous titres par',
  'sous titrage fr',
  'merci d avoir regarde cette video',
  'merci d avoir regarde',
  'abonnez vous a la chaine',
  'n oubliez pas de vous abonner',
  'n oubliez pas de vous abonner a la chaine',
  'sous titres generes automatiquement',
  'thanks for watching',
  'thank you for watching',
  'thank you so much for watching',
  'please subscribe',
  'please like and subscribe',
  'like and subscribe',
  'subtitles by the amara org community',
  'see you in the next video',
  'amara org',
];

export interface QualityResult {
  segments: Segment[];
  removed: Removal[];
}

export function filterLane(segments: readonly Segment[], speech: readonly SpeechRegion[]): QualityResult {
  const removed: Removal[] = [];
  const remove = (s: Segment, reason: Removal['reason'], text = s.text, start = s.start, end = s.end) =>
    removed.push({ start, end, ...(s.speaker ? { speaker: s.speaker } : {}), text, reason });

  // 1. Lines repeated in a row.
  const kept: Segment[] = [];
  for (const run of runsOfSameLine(segments)) {
    kept.push(run[0]!);
    if (isLoopingRun(run)) run.slice(1).forEach((s) => remove(s, 'repeated-line'));
    else kept.push(...run.slice(1));
  }

  const out: Segment[] = [];
  for (const segment of kept) {
    // 2. Words repeated inside the line: the first occurrence stays.
    const cut = cutRepeatedWords(segment);
    let s = segment;
    if (cut) {
      remove(segment, 'repeated-words', cut.removedText, cut.removedStart, cut.removedEnd);
      s = cut.segment;
    }
    // 3. What is still repetitive enough to compress well is no line anyone said.
    if (tooRepetitive(s.text)) {
      remove(s, 'compression');
      continue;
    }
    // 4. The subtitlers' credits, where the audio is not clear speech.
    if (isNonSpeechPhrase(s.text) && speechScore(s, speech) < CLEAR_SPEECH) {
      remove(s, 'non-speech-phrase');
      continue;
    }
    out.push(s);
  }
  return { segments: out, removed: removed.sort((a, b) => a.start - b.start) };
}

/** Removals in time order, each with the name of who was speaking then (mixed sessions: the diarization's turns). */
export function nameRemovals(removed: readonly Removal[], turns: readonly SpeakerTurn[] | undefined): Removal[] {
  return removed
    .map((r) => {
      if (r.speaker || !turns) return r;
      const middle = (r.start + r.end) / 2;
      const turn = turns.find((t) => t.start <= middle && middle < t.end);
      return turn ? { ...r, speaker: turn.speaker } : r;
    })
    .sort((a, b) => a.start - b.start);
}

/** Where a chunk's result loops (rules 1–3), for a second transcription: spans in the result's own times, merged. */
export function loopSpans(lines: ReadonlyArray<Pick<Segment, 'start' | 'end' | 'text'>>): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  for (const run of runsOfSameLine(lines)) {
    if (isLoopingRun(run)) spans.push({ start: run[0]!.start, end: run[run.length - 1]!.end });
    else for (const s of run) if (repeatedRun(words_(s.text)) || tooRepetitive(s.text)) spans.push({ start: s.start, end: s.end });
  }
  // Spans less than a second apart are one stretch to transcribe again.
  return mergeSpans(spans, 1);
}

/** A run of the same line is a loop from three lines (five when the line has one or two words). */
function isLoopingRun(run: ReadonlyArray<Pick<Segment, 'text'>>): boolean {
  const words = foldText(run[0]!.text).split(' ').length;
  return run.length >= (words <= SHORT_LINE_WORDS ? SHORT_LINE_RUN : LINE_RUN);
}

/** Consecutive lines with the same folded text, as runs (a line of its own is a run of one). */
function runsOfSameLine<T extends Pick<Segment, 'text'>>(lines: readonly T[]): T[][] {
  const runs: T[][] = [];
  for (const line of lines) {
    const last = runs[runs.length - 1];
    const key = foldText(line.text);
    if (last && key && foldText(last[0]!.text) === key) last.push(line);
    else runs.push([line]);
  }
  return runs;
}

function tooRepetitive(text: string): boolean {
  return Buffer.byteLength(text) >= COMPRESSION_MIN_BYTES && compressionRatio(text) > COMPRESSION_RATIO_MAX;
}

/** zlib's ratio, as Whisper computes it on a window's text. */
export function compressionRatio(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return 0;
  return bytes.length / deflateSync(bytes).length;
}

function words_(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

/** The first run of n words repeated r times in a row that counts as a loop: [where, n, r]. */
function repeatedRun(words: readonly string[]): [number, number, number] | undefined {
  const folded = words.map((w) => foldText(w));
  for (let i = 0; i < folded.length; i++) {
    for (let n = 1; n <= NGRAM_MAX && i + 2 * n <= folded.length; n++) {
      let r = 1;
      while (i + (r + 1) * n <= folded.length && sameWords(folded, i, i + r * n, n)) r++;
      const loop = n === 1 ? r >= SINGLE_WORD_MIN_REPEATS : r >= NGRAM_MIN_REPEATS && n * r >= NGRAM_MIN_WORDS;
      if (loop) return [i, n, r];
    }
  }
  return undefined;
}

function sameWords(folded: readonly string[], a: number, b: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (folded[a + k] !== folded[b + k] || !folded[a + k]) return false;
  return true;
}

interface Cut {
  segment: Segment;
  removedText: string;
  removedStart: number;
  removedEnd: number;
}

/**
 * Drops every repeated run of words inside a line but its first occurrence. With word timings, the words are the
 * line (Whisper's text is their concatenation) and the words left keep their timings.
 */
function cutRepeatedWords(segment: Segment): Cut | undefined {
  let words: Word[] | undefined = segment.words && segment.words.length > 0 ? [...segment.words] : undefined;
  let tokens = words ? words.map((w) => w.text) : words_(segment.text);
  const removedText: string[] = [];
  let removedStart = Infinity;
  let removedEnd = -Infinity;
  for (let found = repeatedRun(tokens); found; found = repeatedRun(tokens)) {
    const [i, n, r] = found;
    const from = i + n;
    const to = i + r * n;
    removedText.push(tokens.slice(from, to).join(' '));
    if (words) {
      removedStart = Math.min(removedStart, words[from]!.start);
      removedEnd = Math.max(removedEnd, words[to - 1]!.end);
      words = [...words.slice(0, from), ...words.slice(to)];
    }
    tokens = [...tokens.slice(0, from), ...tokens.slice(to)];
  }
  if (removedText.length === 0) return undefined;
  const kept: Segment = { ...segment, text: tokens.join(' '), ...(words ? { words } : {}) };
  if (words && words.length > 0) kept.end = Math.max(segment.start, Math.min(segment.end, words[words.length - 1]!.end));
  return {
    segment: kept,
    removedText: removedText.join(' … '),
    removedStart: Number.isFinite(removedStart) ? removedStart : segment.start,
    removedEnd: Number.isFinite(removedEnd) ? removedEnd : segment.end,
  };
}

/** A line that is mostly one of the subtitlers' phrases (the phrase is at least 60 % of it). */
export function isNonSpeechPhrase(text: string): boolean {
  const line = foldText(text);
  if (!line) return false;
  return NON_SPEECH_PHRASES.some((p) => (` ${line} `.includes(` ${p} `) && p.length >= 0.6 * line.length) || (p === 'amara org' && line.includes(p)));
}

/**
 * How clearly the audio under a line is speech: the VAD's regions' speech probability, weighted by how much of the
 * line each covers (a region without a probability counts as 1: its coverage alone decides).
 */
export function speechScore(s: Pick<Segment, 'start' | 'end'>, speech: readonly SpeechRegion[]): number {
  const duration = s.end - s.start;
  if (duration <= 0) return 0;
  let score = 0;
  for (const r of speech) {
    const overlap = Math.min(s.end, r.end) - Math.max(s.start, r.start);
    if (overlap > 0) score += overlap * (r.probability ?? 1);
  }
  return Math.min(1, score / duration);
}
