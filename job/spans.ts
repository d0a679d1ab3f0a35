/** Spans in time order, those closer than `gap` joined (touching or overlapping ones with `gap` 0). Pure. */
export function mergeSpans(spans: ReadonlyArray<{ start: number; end: number }>, gap: number): Array<{ start: number; end: number }> {
  const sorted = spans.filter((s) => s.end >= s.start).sort((a, b) => a.start - b.start);
  const out: Array<{ start: number; end: number }> = [];
  for (const s of sorted) {
    const last = out.at(-1);
    if (last && s.start - last.end <= gap) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}
