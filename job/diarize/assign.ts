import type { Segment, Word } from '../transcript.js';
import type { Turn } from './turns.js';

/**
 * Gives transcript segments their speakers, the way WhisperX's assign_word_speakers does: each segment (and each
 * word) takes the speaker whose turns overlap it most. A segment whose words fall to different speakers is split
 * where the speaker changes, so that "— Tu viens ? — Oui." spoken by two people becomes two lines; its text is cut at
 * the same words when they can be found in it in order (otherwise the segment stays whole, with the speaker of most
 * of it, and its words keep their own). Something no turn overlaps takes the nearest turn within `maxGapSeconds`.
 * Pure: `turns` sorted by start and not overlapping, as diarize returns them.
 */
export interface AssignOptions {
  maxGapSeconds: number;
}

export function assignSpeakers(segments: readonly Segment[], turns: readonly Turn[], options: AssignOptions = { maxGapSeconds: 2 }): Segment[] {
  const speakerOf = (start: number, end: number) => dominantSpeaker(turns, start, end, options.maxGapSeconds);
  return segments.flatMap((segment) => {
    const whole = speakerOf(segment.start, segment.end);
    if (!segment.words || segment.words.length === 0) return [{ ...segment, speaker: whole }];
    const words: Word[] = segment.words.map((w) => ({ ...w, speaker: speakerOf(w.start, w.end) ?? whole }));
    const runs = speakerRuns(words);
    const cuts = runs.length > 1 ? cutText(segment.text, words, runs.map((r) => r.first)) : undefined;
    if (!cuts) return [{ ...segment, speaker: majority(words) ?? whole, words }];
    return runs.map((run, i) => ({
      ...segment,
      start: i === 0 ? segment.start : words[run.first]!.start,
      end: i === runs.length - 1 ? segment.end : words[run.last - 1]!.end,
      text: cuts[i]!,
      speaker: run.speaker,
      words: words.slice(run.first, run.last),
    }));
  });
}

/** The speaker with the most overlap with [start, end); the nearest within `maxGap` when none overlaps. */
export function dominantSpeaker(turns: readonly Turn[], start: number, end: number, maxGap: number): string | undefined {
  // First turn that ends after `start - maxGap`: turns are sorted and disjoint, so ends are sorted too.
  let lo = 0;
  let hi = turns.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (turns[mid]!.end <= start - maxGap) lo = mid + 1;
    else hi = mid;
  }
  const overlap = new Map<string, number>();
  let nearest: { speaker: string; gap: number } | undefined;
  for (let i = lo; i < turns.length && turns[i]!.start < end + maxGap; i++) {
    const t = turns[i]!;
    const o = Math.min(end, t.end) - Math.max(start, t.start);
    if (o > 0) overlap.set(t.speaker, (overlap.get(t.speaker) ?? 0) + o);
    const gap = Math.max(t.start - end, start - t.end, 0);
    if (gap <= maxGap && (!nearest || gap < nearest.gap)) nearest = { speaker: t.speaker, gap };
  }
  let best: string | undefined;
  for (const [speaker, o] of overlap) if (best === undefined || o > overlap.get(best)!) best = speaker;
  return best ?? nearest?.speaker;
}

interface Run {
  speaker: string | undefined;
  first: number;
  last: number;
}

function speakerRuns(words: readonly Word[]): Run[] {
  const runs: Run[] = [];
  words.forEach((w, i) => {
    const last = runs[runs.length - 1];
    if (last && last.speaker === w.speaker) last.last = i + 1;
    else runs.push({ speaker: w.speaker, first: i, last: i + 1 });
  });
  return runs;
}

function majority(words: readonly Word[]): string | undefined {
  const time = new Map<string, number>();
  for (const w of words) if (w.speaker) time.set(w.speaker, (time.get(w.speaker) ?? 0) + Math.max(w.end - w.start, 0.01));
  let best: string | undefined;
  for (const [speaker, t] of time) if (best === undefined || t > time.get(best)!) best = speaker;
  return best;
}

/**
 * The segment text cut before the words at `starts` (word indexes, the first being 0), or undefined when the words
 * cannot all be found in the text in order (the glossary stage may have respelled some).
 */
export function cutText(text: string, words: readonly Word[], starts: readonly number[]): string[] | undefined {
  const lower = text.toLowerCase();
  const positions: number[] = [];
  let cursor = 0;
  for (const w of words) {
    const at = lower.indexOf(w.text.trim().toLowerCase(), cursor);
    if (at < 0) return undefined;
    positions.push(at);
    cursor = at + w.text.trim().length;
  }
  const bounds = starts.map((s, i) => (i === 0 ? 0 : positions[s]!));
  return bounds.map((b, i) => text.slice(b, bounds[i + 1] ?? text.length).trim());
}
