import type { SpeakerTurn } from '../transcript.js';

/**
 * From labelled segments to speaker turns: a segment shorter than `minFlipSeconds` wedged between two touching
 * segments of one other speaker takes their label (a one-word "flip" is far more often a noisy embedding than a
 * real interjection), touching segments of one speaker join, and clusters are named SPK1, SPK2… in order of first
 * appearance. Pure.
 */
/** A speaker turn as the transcript keeps it; `speaker` is SPKn before naming and a name after `nameTurns`. */
export type Turn = SpeakerTurn;

export interface LabelledSpan {
  start: number;
  end: number;
  label: number;
}

/** Touching means closer than this, seconds: segments cut inside one region share their boundary exactly. */
const TOUCH = 1e-6;

export function buildTurns(spans: readonly LabelledSpan[], minFlipSeconds: number): { turns: Turn[]; labelNames: Map<number, string> } {
  const sorted = [...spans].sort((a, b) => a.start - b.start).map((s) => ({ ...s }));
  for (let i = 1; i + 1 < sorted.length; i++) {
    const [prev, cur, next] = [sorted[i - 1]!, sorted[i]!, sorted[i + 1]!];
    const wedged = cur.start - prev.end < TOUCH && next.start - cur.end < TOUCH && prev.label === next.label;
    if (wedged && cur.label !== prev.label && cur.end - cur.start < minFlipSeconds) cur.label = prev.label;
  }
  const joined: LabelledSpan[] = [];
  for (const s of sorted) {
    const last = joined[joined.length - 1];
    if (last && last.label === s.label && s.start - last.end < TOUCH) last.end = Math.max(last.end, s.end);
    else joined.push({ ...s });
  }
  const labelNames = new Map<number, string>();
  for (const s of joined) if (!labelNames.has(s.label)) labelNames.set(s.label, `SPK${labelNames.size + 1}`);
  return { turns: joined.map((s) => ({ start: s.start, end: s.end, speaker: labelNames.get(s.label)! })), labelNames };
}

/** Turns with their cluster labels replaced by display names (labels without a name keep theirs). */
export function nameTurns(turns: readonly Turn[], names: ReadonlyMap<string, { name: string }>): Turn[] {
  return turns.map((t) => ({ ...t, speaker: names.get(t.speaker)?.name ?? t.speaker }));
}
