import type { GlossaryEntry } from '../../lib/contracts/context.js';
import type { Segment } from '../transcript.js';

/**
 * Spells the campaign's proper nouns the group's way. Each entry's aliases (and the name itself written with other
 * case or accents) are replaced by the name, on whole words only. No fuzzy matching: a wrong "correction" of an
 * ordinary word is worse than a missed one. Pure.
 */
export interface GlossaryResult {
  segments: Segment[];
  /** How many replacements each canonical name received. */
  replacements: Record<string, number>;
}

export function applyGlossary(segments: readonly Segment[], entries: readonly GlossaryEntry[]): GlossaryResult {
  const rules = buildRules(entries);
  const replacements: Record<string, number> = {};
  if (rules.length === 0) return { segments: [...segments], replacements };
  const out = segments.map((s) => {
    let text = s.text;
    for (const rule of rules) {
      text = text.replace(rule.pattern, (match) => {
        if (match === rule.name) return match;
        replacements[rule.name] = (replacements[rule.name] ?? 0) + 1;
        return rule.name;
      });
    }
    return text === s.text ? s : { ...s, text };
  });
  return { segments: out, replacements };
}

interface Rule {
  name: string;
  pattern: RegExp;
}

function buildRules(entries: readonly GlossaryEntry[]): Rule[] {
  const rules: Rule[] = [];
  for (const entry of entries) {
    const variants = [entry.name, ...entry.aliases].filter((v) => v.trim().length > 0);
    // Longest variants first, so "Kael tas" wins over "Kael".
    const alternatives = variants
      .sort((a, b) => b.length - a.length)
      .map((v) => foldable(v))
      .join('|');
    rules.push({ name: entry.name, pattern: new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives})(?![\\p{L}\\p{N}])`, 'giu') });
  }
  // Longer names first, so that a name containing another is replaced whole.
  return rules.sort((a, b) => b.name.length - a.name.length);
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
