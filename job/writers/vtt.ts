import type { Transcript } from '../transcript.js';
import { buildCues } from './cues.js';
import { msTimestamp } from './time.js';

/**
 * WebVTT (W3C): `WEBVTT` header, `HH:MM:SS.mmm` timings, the speaker's full name in a voice span `<v Alice>` so
 * players and tools can style or list speakers. The cues (and so their line breaks) are the SRT file's. Cue text is
 * HTML-like: `&`, `<` and `>` become character references, `>` included because a literal `-->` inside text confuses
 * parsers.
 */
export function renderVtt(t: Transcript): string {
  const cues = buildCues(t.segments, { markers: t.markers, simultaneous: t.mode === 'multitrack' }).map((cue) => {
    const body = cue.lines.map(escapeVtt);
    if (cue.speaker) body[0] = `<v ${escapeVtt(cue.speaker)}>${body[0]}`;
    return `${msTimestamp(cue.startMs, '.')} --> ${msTimestamp(cue.endMs, '.')}\n${body.join('\n')}\n`;
  });
  return ['WEBVTT\n', ...cues].join('\n');
}

export function escapeVtt(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
