import { glossaryEntries, speakerName, type SessionContext } from '../../lib/contracts/context.js';

/**
 * Whisper's initial prompt: the campaign's names, so the decoder has seen their spelling. Whisper keeps only the
 * last ~224 tokens of a prompt; the engine cuts from the front, so the most important names go last.
 */
const LABELS: Record<string, { players: string; characters: string; places: string; terms: string }> = {
  fr: { players: 'Joueurs', characters: 'Personnages', places: 'Lieux', terms: 'Termes' },
  en: { players: 'Players', characters: 'Characters', places: 'Places', terms: 'Terms' },
};

export function buildPrompt(context: SessionContext, language: string): string | undefined {
  const labels = LABELS[language] ?? LABELS.en!;
  const entries = glossaryEntries(context);
  const names = (kind: 'characters' | 'places' | 'terms') => entries.filter((e) => e.kind === kind).map((e) => e.name);
  const players = context.speakers.flatMap((s) => [speakerName(s), ...s.nicknames]);
  const parts = [
    [labels.terms, names('terms')],
    [labels.places, names('places')],
    [labels.players, players],
    [labels.characters, names('characters')],
  ] as const;
  const text = parts
    .filter(([, list]) => list.length > 0)
    .map(([label, list]) => `${label} : ${dedupe(list).join(', ')}.`)
    .join(' ');
  return text || undefined;
}

function dedupe(list: readonly string[]): string[] {
  return [...new Set(list)];
}
