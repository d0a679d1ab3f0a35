import type { Transcript } from '../transcript.js';
import { bracketClock } from './time.js';
import { cleanText, groupTurns } from './turns.js';

/** One line per turn, `[HH:MM:SS] Alice: text`, for grep and for pasting into anything; notes as `[HH:MM:SS] Note: text`. */
export function renderTxt(t: Transcript): string {
  const lines = groupTurns(t.segments).map((turn) => ({ at: turn.start, line: `${bracketClock(turn.start)} ${turn.speaker ? `${turn.speaker}: ` : ''}${turn.text}\n` }));
  const notes = (t.markers ?? []).map((m) => ({ at: m.time, line: `${bracketClock(m.time)} Note: ${cleanText(m.text)}\n` }));
  // A stable sort: a note at the same second as a turn comes before it, as it was taken before the words.
  return [...notes, ...lines]
    .sort((a, b) => a.at - b.at)
    .map((l) => l.line)
    .join('');
}
