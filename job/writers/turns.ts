import type { Segment } from '../transcript.js';

/**
 * Consecutive segments of one speaker read as one turn. A gap or a length limit still breaks a turn: without them a
 * transcript with no speaker labels (diarization off) would be one four-hour paragraph, and a timestamp every minute
 * or two is what lets a reader find a passage in the recording.
 */
export interface Turn {
  speaker: string | undefined;
  start: number;
  end: number;
  segments: Segment[];
  text: string;
}

export interface TurnOptions {
  /** Longest silence inside a turn, seconds. */
  maxGap: number;
  /** A turn stops growing once it spans this many seconds. */
  maxSeconds: number;
}

/** For transcripts read by people: lenient with named speakers, tighter when nobody is named. */
export const READING_TURNS: { named: TurnOptions; unnamed: TurnOptions } = {
  named: { maxGap: 10, maxSeconds: 120 },
  unnamed: { maxGap: 1.5, maxSeconds: 60 },
};

export function groupTurns(
  segments: readonly Segment[],
  options: { named: TurnOptions; unnamed: TurnOptions } = READING_TURNS,
): Turn[] {
  const turns: Turn[] = [];
  let current: Turn | undefined;
  for (const segment of segments) {
    const text = cleanText(segment.text);
    if (!text) continue;
    const limits = segment.speaker ? options.named : options.unnamed;
    const joins =
      current !== undefined &&
      current.speaker === segment.speaker &&
      segment.start - current.end <= limits.maxGap &&
      segment.end - current.start <= limits.maxSeconds;
    if (current && joins) {
      current.segments.push(segment);
      current.end = Math.max(current.end, segment.end);
      current.text += ` ${text}`;
    } else {
      current = { speaker: segment.speaker, start: segment.start, end: segment.end, segments: [segment], text };
      turns.push(current);
    }
  }
  return turns;
}

/** One line of text: ASR output may carry newlines or runs of spaces, which every format here would mangle. */
export function cleanText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
