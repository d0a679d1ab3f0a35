import type { Transcript } from '../transcript.js';
import { buildCues } from './cues.js';
import { msTimestamp } from './time.js';

/**
 * SubRip: numbered cues, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, the text, a blank line. SubRip has no escaping; the only
 * character that could break a cue, a newline, never reaches a cue's text (see cues.ts). The speaker's name leads the
 * first line of every cue, so a viewer who skips ahead still knows who speaks.
 */
export function renderSrt(t: Transcript): string {
  return buildCues(t.segments, { markers: t.markers, simultaneous: t.mode === 'multitrack' })
    .map((cue, i) => {
      const lines = cue.label ? [`${cue.label}: ${cue.lines[0]}`, ...cue.lines.slice(1)] : cue.lines;
      return `${i + 1}\n${msTimestamp(cue.startMs, ',')} --> ${msTimestamp(cue.endMs, ',')}\n${lines.join('\n')}\n`;
    })
    .join('\n');
}
