import type { Transcript } from '../transcript.js';
import { bracketClock } from './time.js';
import { groupTurns } from './turns.js';

/** One line per turn, `[HH:MM:SS] Alice: text`, for grep and for pasting into anything. */
export function renderTxt(t: Transcript): string {
  return groupTurns(t.segments)
    .map((turn) => `${bracketClock(turn.start)} ${turn.speaker ? `${turn.speaker}: ` : ''}${turn.text}\n`)
    .join('');
}
