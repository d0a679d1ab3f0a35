import type { SpeakerTurn, Transcript } from '../transcript.js';
import { roundMs } from './time.js';
import { groupTurns } from './turns.js';

/**
 * NIST RTTM, the input of diarization scoring tools (dscore, pyannote.metrics): one line per speaker turn,
 * `SPEAKER <file> 1 <start> <duration> <NA> <NA> <speaker> <NA> <NA>`, seconds with millisecond precision.
 * Fields are space-separated, so spaces in names become `_`. Segments of one speaker less than 0.5 s apart are one
 * turn. The diarization's own turns are used when the transcript has them (they follow the voices, not the
 * recogniser's segments); otherwise the labelled segments are. Segments without a speaker are left out: a made-up
 * "unknown" speaker would be scored as a confusion with the reference; the JSON keeps them, and a transcript
 * without diarization gives an empty RTTM.
 */
const MERGE_GAP = 0.5;

export function renderRttm(t: Transcript): string {
  const file = rttmId(t.session);
  if (t.turns) return rttmLines(file, mergeTurns(t.turns));
  const labelled = t.segments.filter((s) => s.speaker && s.speaker.trim());
  const turns = groupTurns(labelled, {
    // Just below the gap: groupTurns joins gaps up to and including maxGap, RTTM merges strictly below 0.5 s.
    named: { maxGap: MERGE_GAP - 1e-9, maxSeconds: Infinity },
    unnamed: { maxGap: 0, maxSeconds: 0 },
  });
  return rttmLines(file, turns);
}

/** Names stay as the group wrote them; only whitespace, which would split the field, becomes `_`. */
export function rttmSpeaker(name: string): string {
  return name.trim().replace(/\s+/g, '_');
}

/** The file id: anything outside letters, digits, `.`, `_` and `-` becomes `_`, as scoring tools match it to a file name. */
export function rttmId(name: string): string {
  return name.trim().replace(/[^\p{L}\p{N}._-]+/gu, '_') || 'session';
}

/** Named diarization turns, with touching or near turns of one name (two clusters an override merged) joined. */
function mergeTurns(turns: readonly SpeakerTurn[]): SpeakerTurn[] {
  const out: SpeakerTurn[] = [];
  for (const t of [...turns].sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && last.speaker === t.speaker && t.start - last.end < MERGE_GAP) last.end = Math.max(last.end, t.end);
    else out.push({ ...t });
  }
  return out;
}

function rttmLines(file: string, turns: ReadonlyArray<{ start: number; end: number; speaker?: string }>): string {
  return turns
    .map((turn) => ({ turn, start: roundMs(turn.start), duration: roundMs(roundMs(turn.end) - roundMs(turn.start)) }))
    .filter(({ duration, turn }) => duration > 0 && turn.speaker)
    .map(({ turn, start, duration }) =>
      ['SPEAKER', file, '1', start.toFixed(3), duration.toFixed(3), '<NA>', '<NA>', rttmSpeaker(turn.speaker!), '<NA>', '<NA>'].join(' '),
    )
    .map((line) => `${line}\n`)
    .join('');
}
