/**
 * Diarization error rate the NIST way (md-eval): missed speech + false alarm + speaker confusion over the reference
 * speech time, with a no-score collar around every reference boundary and the hypothesis labels mapped one-to-one
 * onto the reference labels so that their overlap is largest. Also the share of speech time carrying the right
 * name, where labels are compared as they are (no mapping).
 */
import { bestAssignment } from '../../job/diarize/hungarian.js';

export interface LabelledTurn {
  start: number;
  end: number;
  speaker: string;
}

export interface DerResult {
  der: number;
  missed: number;
  falseAlarm: number;
  confusion: number;
  /** Reference speech seconds scored (outside the collars). */
  scored: number;
  /** Hypothesis label → reference label. */
  mapping: Map<string, string>;
}

interface Piece {
  duration: number;
  ref: string[];
  hyp: string[];
}

export function diarizationErrorRate(reference: readonly LabelledTurn[], hypothesis: readonly LabelledTurn[], collar = 0.25): DerResult {
  const pieces = scoredPieces(reference, hypothesis, collar);
  const refLabels = [...new Set(reference.map((t) => t.speaker))];
  const hypLabels = [...new Set(hypothesis.map((t) => t.speaker))];
  const overlap = hypLabels.map(() => refLabels.map(() => 0));
  for (const p of pieces) for (const h of p.hyp) for (const r of p.ref) overlap[hypLabels.indexOf(h)]![refLabels.indexOf(r)]! += p.duration;
  const mapping = new Map(bestAssignment(overlap).map(([h, r]) => [hypLabels[h]!, refLabels[r]!] as const));
  let missed = 0;
  let falseAlarm = 0;
  let confusion = 0;
  let scored = 0;
  for (const p of pieces) {
    const correct = p.hyp.filter((h) => p.ref.includes(mapping.get(h) ?? '')).length;
    missed += p.duration * Math.max(0, p.ref.length - p.hyp.length);
    falseAlarm += p.duration * Math.max(0, p.hyp.length - p.ref.length);
    confusion += p.duration * (Math.min(p.ref.length, p.hyp.length) - correct);
    scored += p.duration * p.ref.length;
  }
  const der = scored > 0 ? (missed + falseAlarm + confusion) / scored : falseAlarm > 0 ? Infinity : 0;
  return { der, missed, falseAlarm, confusion, scored, mapping };
}

/** Share of scored reference speech time whose hypothesis label equals the reference label. */
export function nameAccuracy(reference: readonly LabelledTurn[], hypothesis: readonly LabelledTurn[], collar = 0.25): number {
  let right = 0;
  let total = 0;
  for (const p of scoredPieces(reference, hypothesis, collar)) {
    for (const r of p.ref) {
      total += p.duration;
      if (p.hyp.includes(r)) right += p.duration;
    }
  }
  return total > 0 ? right / total : 0;
}

/** The timeline cut at every boundary, collars removed, with who speaks in each piece on either side. */
function scoredPieces(reference: readonly LabelledTurn[], hypothesis: readonly LabelledTurn[], collar: number): Piece[] {
  const collars = reference.flatMap((t) => [
    [t.start - collar, t.start + collar],
    [t.end - collar, t.end + collar],
  ]);
  const cuts = new Set<number>();
  for (const t of [...reference, ...hypothesis]) cuts.add(t.start).add(t.end);
  for (const [a, b] of collars) if (collar > 0) cuts.add(a!).add(b!);
  const times = [...cuts].sort((a, b) => a - b);
  const pieces: Piece[] = [];
  for (let i = 0; i + 1 < times.length; i++) {
    const [a, b] = [times[i]!, times[i + 1]!];
    const mid = (a + b) / 2;
    if (collar > 0 && collars.some(([lo, hi]) => mid > lo! && mid < hi!)) continue;
    const at = (turns: readonly LabelledTurn[]) => [...new Set(turns.filter((t) => t.start <= mid && mid < t.end).map((t) => t.speaker))];
    const ref = at(reference);
    const hyp = at(hypothesis);
    if (ref.length > 0 || hyp.length > 0) pieces.push({ duration: b - a, ref, hyp });
  }
  return pieces;
}

/**
 * Share of the truth's speech time whose transcript line carries the right name: what a reader of transcript.md
 * sees, scored on the segments themselves (not on the diarization turns). Segments without a speaker count as wrong.
 */
export function segmentNameAccuracy(reference: readonly LabelledTurn[], segments: ReadonlyArray<{ start: number; end: number; speaker?: string }>, collar = 0.25): number {
  const lines = segments.filter((s) => s.speaker !== undefined).map((s) => ({ start: s.start, end: s.end, speaker: s.speaker! }));
  return nameAccuracy(reference, lines, collar);
}
