import { glossaryEntries, tableNames, type GlossaryEntry, type SessionContext } from '../../lib/contracts/context.js';
import type { PromptBudget } from '../engines/asr.js';
import { foldText } from './fold.js';

/**
 * Whisper's initial prompt: the campaign's names, so that the decoder has seen their spelling. The engine carries it
 * into every 30 s window, where it shares Whisper's 224 tokens of context with the running text: it must fit a budget
 * the engine gives in its own tokens. When the glossary is larger, names go in by priority — the players and the
 * characters they play (`character:` in context.yaml), then the
 * characters and places named in the previous chunk's text, then the rest in the context's order — and what stays out
 * is said (the report lists it). Pure.
 */
const LABELS: Record<string, { players: string; characters: string; places: string; terms: string }> = {
  fr: { players: 'Joueurs', characters: 'Personnages', places: 'Lieux', terms: 'Termes' },
  en: { players: 'Players', characters: 'Characters', places: 'Places', terms: 'Terms' },
};

/**
 * For an engine that cannot count its tokens: about one token per three bytes of UTF-8 (whisper's tokenizer on
 * French names), and whisper's room (224 − 1 marker − 64 of running context).
 */
export const ROUGH_BUDGET: PromptBudget = { tokens: 159, count: (text) => Math.ceil(Buffer.byteLength(text) / 3) };

export interface PromptChoice {
  /** Absent when the context names nothing. */
  text?: string;
  tokens: number;
  budget: number;
  /** Names that did not fit, in the context's order. */
  leftOut: string[];
}

export interface PromptOptions {
  budget?: PromptBudget;
  /** The text of the chunk before this one, when it is known: the names it holds go in first. */
  previousText?: string;
}

type Group = 'players' | 'characters' | 'places' | 'terms';
interface Candidate {
  name: string;
  group: Group;
}

export function buildPrompt(context: SessionContext, language: string, options: PromptOptions = {}): PromptChoice {
  const budget = options.budget ?? ROUGH_BUDGET;
  const labels = LABELS[language] ?? LABELS.en!;
  const entries = glossaryEntries(context);
  const table = tableNames(context);
  const players: Candidate[] = table.players.map((name) => ({ name, group: 'players' as const }));
  // The characters the players play go with them: they are said all session long.
  const played: Candidate[] = table.characters.map((name) => ({ name, group: 'characters' as const }));
  const glossary: Candidate[] = entries.map((e) => ({ name: e.name, group: e.kind }));
  const all = unique([...players, ...played, ...glossary]);
  const mentioned = options.previousText ? mentionedIn(options.previousText, entries) : new Set<string>();
  // 0: the players and the characters they play; 1: characters and places the previous chunk named; 2: the rest.
  const rank = (c: Candidate) =>
    c.group === 'players' || played.includes(c) ? 0 : (c.group === 'characters' || c.group === 'places') && mentioned.has(c.name) ? 1 : 2;
  const order = [...all].sort((a, b) => rank(a) - rank(b));
  const chosen = new Set<Candidate>();
  let text = '';
  for (const candidate of order) {
    chosen.add(candidate);
    const attempt = render(all.filter((c) => chosen.has(c)), labels);
    if (budget.count(attempt) <= budget.tokens) text = attempt;
    else chosen.delete(candidate);
  }
  const leftOut = all.filter((c) => !chosen.has(c)).map((c) => c.name);
  return { ...(text ? { text } : {}), tokens: text ? budget.count(text) : 0, budget: budget.tokens, leftOut };
}

/** "Termes : … Lieux : … Joueurs : … Personnages : …": the names a line's speakers use most, last. */
function render(candidates: readonly Candidate[], labels: (typeof LABELS)[string]): string {
  const groups: Group[] = ['terms', 'places', 'players', 'characters'];
  return groups
    .map((g) => [labels[g], candidates.filter((c) => c.group === g).map((c) => c.name)] as const)
    .filter(([, names]) => names.length > 0)
    .map(([label, names]) => `${label} : ${names.join(', ')}.`)
    .join(' ');
}

function unique(candidates: readonly Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return candidates.filter((c) => {
    const key = foldText(c.name);
    if (!key || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The glossary names (or their aliases) that a text holds as whole words, case and accents aside. */
function mentionedIn(text: string, entries: readonly GlossaryEntry[]): Set<string> {
  const words = ` ${foldText(text)} `;
  const found = new Set<string>();
  for (const e of entries) {
    if ([e.name, ...e.aliases].some((v) => foldText(v) && words.includes(` ${foldText(v)} `))) found.add(e.name);
  }
  return found;
}
