import type { GlossaryEntry } from '../../lib/contracts/context.js';
import type { Correction, NearMiss, Segment, Word } from '../transcript.js';
import { foldText } from './fold.js';
import { closeness, soundOf, type Closeness, type Sound } from './phonetics.js';
import type { OrdinaryWords } from './wordlist.js';

/**
 * Spells the campaign's proper nouns the group's way, as a careful human editor would. Pure.
 *   alias        an alias from context.yaml, or the name itself with other case, accents, spaces or hyphens, is
 *                replaced (whole words only);
 *   sounds-like  a word, or two or three words in a row, that sounds like a name of at least four letters is replaced
 *                when it is no ordinary word of the session's languages (a word list) and its sound is close (a French
 *                phonetic key, and a spelling distance that grows with the name's length): "Hectaron", "Ek taron" →
 *                Ektaron. Ordinary words are never changed alone: "hector", "citadelle", "silure" stay; inside a name
 *                of several words whose other words are all there ("Citadelle de Vert"), one may be;
 *   to check     a word somewhat like a name, below those thresholds, is left as it is and listed with the likely name.
 * Corrected words keep their timings (a correction over several words spans their times). Player names count as
 * glossary names. Without a word list only the aliases apply: a wrong correction of an ordinary word is worse than a
 * missed one.
 */
export interface GlossaryResult {
  segments: Segment[];
  /** How many replacements each canonical name received. */
  replacements: Record<string, number>;
  corrections: Correction[];
  toCheck: NearMiss[];
}

export interface GlossaryOptions {
  /** Ordinary words of the session's languages; without them no sounds-like correction is made. */
  ordinary?: OrdinaryWords;
  /** More names that count as glossary names (players, their nicknames, their characters). */
  names?: readonly string[];
}

/** A name must have this many letters to be matched by its sound. */
export const MIN_NAME_LETTERS = 4;
/** Windows of words looked at: up to one more than the longest name has (a name heard in one more piece). */
const MAX_WINDOW = 6;

export function applyGlossary(segments: readonly Segment[], entries: readonly GlossaryEntry[], options: GlossaryOptions = {}): GlossaryResult {
  const targets = buildTargets(entries, options.names ?? []);
  const replacements: Record<string, number> = {};
  const corrections: Correction[] = [];
  const toCheck: NearMiss[] = [];
  if (targets.length === 0) return { segments: [...segments], replacements, corrections, toCheck };
  const judge = new Judge(targets, options.ordinary);
  const out = segments.map((s) => {
    const { edits, near } = findEdits(s.text, targets, judge);
    for (const n of near) toCheck.push({ ...timeOf(s, n.from, n.to), ...(s.speaker ? { speaker: s.speaker } : {}), text: s.text.slice(n.from, n.to), likely: n.name });
    if (edits.length === 0) return s;
    for (const e of edits) {
      replacements[e.name] = (replacements[e.name] ?? 0) + 1;
      corrections.push({ ...timeOf(s, e.from, e.to), ...(s.speaker ? { speaker: s.speaker } : {}), before: s.text.slice(e.from, e.to), after: e.name, reason: e.reason, detail: e.detail });
    }
    return applyEdits(s, edits);
  });
  return { segments: out, replacements, corrections, toCheck };
}

interface Target {
  name: string;
  /** Folded words of the name ("citadelle", "de", "verre"). */
  words: string[];
  sound: Sound;
  /** Exact forms: the name and its aliases, whatever their case, accents, apostrophes, spaces or hyphens. */
  pattern: RegExp;
}

function buildTargets(entries: readonly GlossaryEntry[], names: readonly string[]): Target[] {
  const all = [...entries.map((e) => ({ name: e.name, aliases: e.aliases })), ...names.map((name) => ({ name, aliases: [] as string[] }))];
  const seen = new Set<string>();
  const targets: Target[] = [];
  for (const { name, aliases } of all) {
    const folded = foldText(name);
    if (!folded || seen.has(folded)) continue;
    seen.add(folded);
    const variants = [name, ...aliases].filter((v) => v.trim().length > 0).sort((a, b) => b.length - a.length);
    const alternatives = variants.map((v) => foldable(v)).join('|');
    targets.push({
      name,
      words: folded.split(' '),
      sound: soundOf(folded.replace(/ /g, '')),
      pattern: new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives})(?![\\p{L}\\p{N}])`, 'giu'),
    });
  }
  // Longer names first, so that a name containing another is replaced whole.
  return targets.sort((a, b) => b.name.length - a.name.length);
}

interface Edit {
  from: number;
  to: number;
  name: string;
  reason: Correction['reason'];
  detail: string;
}

interface Token {
  from: number;
  to: number;
  folded: string;
  capital: boolean;
}

function findEdits(text: string, targets: readonly Target[], judge: Judge): { edits: Edit[]; near: Array<{ from: number; to: number; name: string }> } {
  const edits: Edit[] = [];
  const taken: Array<[number, number]> = [];
  const free = (from: number, to: number) => taken.every(([a, b]) => to <= a || from >= b);
  // 1. Exact forms (aliases, other case or accents): what the group wrote down wins.
  for (const t of targets) {
    for (const m of text.matchAll(t.pattern)) {
      const from = m.index!;
      const to = from + m[0].length;
      if (!free(from, to)) continue;
      taken.push([from, to]);
      if (m[0] !== t.name) edits.push({ from, to, name: t.name, reason: 'alias', detail: foldText(m[0]) === foldText(t.name) ? 'the name, spelt otherwise' : 'an alias in context.yaml' });
    }
  }
  // 2. Sounds like a name: windows of three words, then two, then one.
  const tokens: Token[] = [...text.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({
    from: m.index!,
    to: m.index! + m[0].length,
    folded: foldText(m[0]),
    capital: /^\p{Lu}/u.test(m[0]),
  }));
  const near: Array<{ from: number; to: number; name: string }> = [];
  const longest = Math.min(MAX_WINDOW, Math.max(...targets.map((t) => t.words.length)) + 1);
  for (let size = longest; size >= 1; size--) {
    for (let i = 0; i + size <= tokens.length; i++) {
      const window = tokens.slice(i, i + size);
      const from = window[0]!.from;
      const to = window[size - 1]!.to;
      if (!free(from, to) || !joinedByName(text, window)) continue;
      const verdict = judge.best(window);
      if (!verdict) continue;
      if (verdict.accept) {
        taken.push([from, to]);
        edits.push({ from, to, name: verdict.target.name, reason: 'sounds-like', detail: verdict.detail });
      } else if (size === 1 || window.some((w) => !judge.isOrdinary(w.folded))) {
        if (!near.some((n) => n.from < to && from < n.to)) near.push({ from, to, name: verdict.target.name });
      }
    }
  }
  return {
    edits: edits.sort((a, b) => a.from - b.from),
    near: near.filter((n) => free(n.from, n.to)).sort((a, b) => a.from - b.from),
  };
}

/** Words of one name are written with spaces, hyphens or apostrophes between them, never other punctuation. */
function joinedByName(text: string, window: readonly Token[]): boolean {
  for (let k = 1; k < window.length; k++) if (!/^[\s'’-]+$/.test(text.slice(window[k - 1]!.to, window[k]!.from))) return false;
  return true;
}

interface Verdict {
  target: Target;
  accept: boolean;
  detail: string;
  score: number;
}

/** Decides, for a window of words, which name it may be; remembers its answers (a session repeats its words). */
class Judge {
  private readonly memo = new Map<string, Verdict | undefined>();
  private readonly byLetters = new Map<string, Target>();
  private readonly exact = new Map<string, Target>();

  constructor(
    private readonly targets: readonly Target[],
    private readonly ordinary?: OrdinaryWords,
  ) {
    for (const t of targets) {
      this.byLetters.set(t.sound.letters, t);
      this.exact.set(t.words.join(' '), t);
    }
  }

  isOrdinary(folded: string): boolean {
    return /^\p{N}+$/u.test(folded) || (this.ordinary?.has(folded) ?? true);
  }

  best(window: readonly Token[]): Verdict | undefined {
    const key = window.map((w) => (w.capital ? '^' : '') + w.folded).join(' ');
    if (!this.memo.has(key)) this.memo.set(key, this.decide(window));
    return this.memo.get(key);
  }

  private decide(window: readonly Token[]): Verdict | undefined {
    const words = window.map((w) => w.folded);
    // The name's own words with other punctuation between them ("Kaël-Thas" for Kael'thas); written as the name, the
    // exact pass has taken it already.
    const same = this.exact.get(words.join(' '));
    if (same) return { target: same, accept: true, detail: 'the name, punctuated otherwise', score: 0 };
    const ordinary = words.map((w) => this.isOrdinary(w));
    const letters = words.join('');
    // The same letters written apart or together ("Black Wood" → Blackwood): ordinary words only when capitalised.
    const joined = this.byLetters.get(letters);
    if (joined && joined.words.join(' ') !== words.join(' ')) {
      if (ordinary.every(Boolean) && !window.every((w) => w.capital)) return undefined;
      return { target: joined, accept: true, detail: 'the same letters, written apart or together', score: 0 };
    }
    if (!this.ordinary) return undefined;
    let best: Verdict | undefined;
    for (const t of this.targets) {
      if (t.sound.letters.length < MIN_NAME_LETTERS) continue;
      const v = this.against(t, words, ordinary, letters);
      if (v && (!best || Number(v.accept) > Number(best.accept) || (v.accept === best.accept && v.score < best.score))) best = v;
    }
    return best;
  }

  private against(t: Target, words: readonly string[], ordinary: readonly boolean[], letters: string): Verdict | undefined {
    // A name of several words, all there but one, that one sounding like the name's ("Citadelle de Vert").
    if (t.words.length > 1 && words.length === t.words.length) {
      const differ = words.map((w, k) => (w === t.words[k] ? -1 : k)).filter((k) => k >= 0);
      if (differ.length !== 1) return undefined;
      const k = differ[0]!;
      if (t.words[k]!.length < 3) return undefined;
      const c = closeness(soundOf(words[k]!), soundOf(t.words[k]!));
      const accept = (c.sameKey || c.nearKey) && c.distance <= 2;
      if (!accept && !((c.sameKey || c.nearKey) && c.relative <= 0.5)) return undefined;
      return { target: t, accept, detail: describe(c, `"${words[k]}" for "${t.words[k]}", the rest of the name there`), score: c.relative };
    }
    // Otherwise no ordinary word: one word, or a one-word name heard as two ("Ek taron"), none of them ordinary.
    if (ordinary.some(Boolean) || words.length > 2 || (words.length > 1 && t.words.length > 1)) return undefined;
    const c = closeness(soundOf(letters), t.sound);
    const short = t.sound.letters.length <= 5;
    const accept = c.sameKey ? (short ? c.distance <= 1 : c.relative <= 0.34) : c.nearKey && !short && c.relative <= 0.2;
    const near = (c.sameKey || c.nearKey) && (short ? c.distance <= 1 : c.relative <= 0.5);
    if (!accept && !near) return undefined;
    return { target: t, accept, detail: describe(c, 'no ordinary word'), score: c.relative };
  }
}

function describe(c: Closeness, why: string): string {
  const sound = c.sameKey ? 'sounds the same' : 'sounds close';
  return `${sound}, ${c.distance} letter${c.distance === 1 ? '' : 's'} apart, ${why}`;
}

/** The time of characters [from, to) of a segment's text: its words' times when they line up, else the segment's. */
function timeOf(s: Segment, from: number, to: number): { start: number; end: number } {
  const span = wordSpan(s, from, to);
  if (!span) return { start: s.start, end: s.end };
  return { start: s.words![span[0]]!.start, end: s.words![span[1]]!.end };
}

/** Indices of the words holding characters [from, to) (words are the text's whitespace-separated pieces). */
function wordSpan(s: Segment, from: number, to: number): [number, number] | undefined {
  const pieces = [...s.text.matchAll(/\S+/g)];
  if (!s.words || s.words.length !== pieces.length) return undefined;
  const first = pieces.findIndex((p) => p.index! + p[0].length > from);
  let last = first;
  while (last + 1 < pieces.length && pieces[last + 1]!.index! < to) last++;
  return first < 0 ? undefined : [first, last];
}

function applyEdits(s: Segment, edits: readonly Edit[]): Segment {
  let text = '';
  let at = 0;
  for (const e of edits) {
    text += s.text.slice(at, e.from) + e.name;
    at = e.to;
  }
  text += s.text.slice(at);
  if (!s.words) return { ...s, text };
  // Words: those an edit touches become one word with the new spelling, from the first one's start to the last one's
  // end. Every span is found on the words as Whisper wrote them, then applied from the last, so that merging the
  // words of one edit does not move those of the edits before it.
  const spans = edits.map((e) => wordSpan(s, e.from, e.to));
  if (spans.some((span) => !span)) return { ...s, text };
  const pieces = [...s.text.matchAll(/\S+/g)];
  let words: Word[] = s.words;
  for (let k = edits.length - 1; k >= 0; k--) {
    const e = edits[k]!;
    const [i, j] = spans[k]!;
    const first = pieces[i]!;
    const last = pieces[j]!;
    const before = s.text.slice(first.index!, e.from);
    const after = s.text.slice(e.to, last.index! + last[0].length);
    const merged: Word = { ...words[i]!, text: before + e.name + after, end: words[j]!.end };
    const probabilities = words.slice(i, j + 1).map((w) => w.probability).filter((p): p is number => p !== undefined);
    if (probabilities.length > 0) merged.probability = Math.min(...probabilities);
    words = [...words.slice(0, i), merged, ...words.slice(j + 1)];
  }
  return { ...s, text, words };
}

/** A regex source matching `text` whatever its accents, case, apostrophe style, and spacing or hyphens. */
function foldable(text: string): string {
  return [...text.normalize('NFD').replace(/\p{M}/gu, '')]
    .map((ch) => {
      if (/\s|-/.test(ch)) return '[\\s-]+';
      if (ch === "'" || ch === '’') return "['’]?";
      const accented = ACCENTS[ch.toLowerCase()];
      return accented ? `[${ch}${ch.toUpperCase()}${accented}${accented.toUpperCase()}]` : escape(ch);
    })
    .join('');
}

const ACCENTS: Record<string, string> = {
  a: 'àâäáã',
  e: 'éèêë',
  i: 'îïíì',
  o: 'ôöóò',
  u: 'ùûüú',
  c: 'ç',
  y: 'ÿý',
  n: 'ñ',
};

function escape(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
