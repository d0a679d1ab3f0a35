import { speakerName, type SessionContext } from '../../lib/contracts/context.js';
import { clock, type Segment } from '../transcript.js';
import { cleanText, groupTurns } from '../writers/turns.js';

/**
 * What the recap's model reads: instructions, the session's facts (who plays whom, the glossary's names, spelt the
 * glossary's way) and the transcript as named turns, `[H:MM:SS] Name: words`. Nothing else: no recipient, no
 * setting of the deployment, and any email address the transcript or the context happens to hold is masked
 * (`redact`), so that the prompt carries no address and no secret to the model's provider.
 */
export interface SessionFacts {
  session: string;
  duration: number;
  context: SessionContext;
}

/** "fr" → "French", for the instruction; the code itself when the runtime does not know it. */
export function languageName(code: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

export function recapInstructions(language: string): string {
  return redact(
    [
      'You write the recap of a tabletop role-playing session from its transcript, for the people who played it.',
      `Write every text in ${languageName(language)} (${language}), whatever languages the transcript mixes.`,
      'Use only what the transcript says: invent no event, no name and no line. Spell names as the glossary spells them.',
      'The speakers are the players; when the facts say who plays which character, tell what the characters did, by their names.',
      'The transcript comes from speech recognition and has errors; table talk outside the game (rules, food, scheduling) is not part of the story.',
      'Answer with JSON that follows the schema:',
      '- previously: one paragraph of 4 to 8 sentences in the style of "previously on…", for someone who missed the session;',
      '- events: the key events in order, at most 25, each with the [H:MM:SS] time of the transcript line where it happens;',
      '- characters: the characters who appear or are met (players\' and the others), each with a short note;',
      '- places: the places visited or that matter, with a note;',
      '- items: items and loot found, bought, given or lost, and who has them;',
      '- threads: open threads: questions left open, quests unfinished, promises, what to do next time;',
      '- quotes: at most 8 memorable lines, copied word for word from the transcript (exact words, no paraphrase), with the time and the speaker of their line.',
      'Leave a list empty rather than guess.',
    ].join('\n'),
  );
}

/** The facts that come before the transcript: the session, its players and their characters, the glossary. */
export function sessionFacts(facts: SessionFacts): string {
  const { context } = facts;
  const lines = [`Session: ${facts.session}`, `Length: ${clock(facts.duration)}`];
  if (context.speakers.length > 0) {
    lines.push('', 'Players and characters:');
    for (const s of context.speakers) {
      const also = s.nicknames.length > 0 ? ` (also called ${s.nicknames.join(', ')})` : '';
      lines.push(`- ${speakerName(s)}${also}: ${s.character ? `plays ${s.character}` : 'no character given (perhaps the game master)'}`);
    }
  }
  const kinds = [
    ['characters', 'Characters'],
    ['places', 'Places'],
    ['terms', 'Terms'],
  ] as const;
  const glossary = kinds.filter(([kind]) => context.glossary[kind].length > 0);
  if (glossary.length > 0) {
    lines.push('', 'Glossary (the right spelling of the campaign\'s names):');
    for (const [kind, title] of glossary) {
      const names = context.glossary[kind].map((e) => (typeof e === 'string' ? e : e.description ? `${e.name} (${oneLine(e.description)})` : e.name));
      lines.push(`- ${title}: ${names.join('; ')}`);
    }
  }
  return redact(lines.join('\n'));
}

/** One line per turn: `[0:12:34] Camille: …`; turns nobody was named for read "Unknown". */
export function transcriptLines(segments: readonly Segment[]): Array<{ start: number; end: number; line: string }> {
  return groupTurns(segments).map((turn) => ({
    start: turn.start,
    end: turn.end,
    line: redact(`[${clock(Math.floor(turn.start))}] ${turn.speaker ?? 'Unknown'}: ${turn.text}`),
  }));
}

export const TRANSCRIPT_HEADING = 'Transcript (one line per turn: [time] speaker: words):';

/** Email addresses, wherever they come from, become "[email]". */
export function redact(text: string): string {
  return text.replace(/[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu, '[email]');
}

function oneLine(text: string): string {
  return cleanText(text).slice(0, 300);
}

/**
 * A conservative token count for planning requests: about 3 characters per token (French and mixed text run 3.5 to
 * 4 with Gemini's and Llama's tokenizers), so that what is planned to fit does fit.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3);
}
