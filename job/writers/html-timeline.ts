import { mergeSpans } from '../spans.js';
import { clock, type Marker } from '../transcript.js';
import { escapeHtml } from './html-text.js';

/**
 * "Who spoke when" for transcript.html: one SVG lane per speaker, a rectangle per stretch of speech, a line per
 * marker, and a cursor the page's script moves. Times are the SVG's own x units (seconds), stretched to the page's
 * width, so the drawing never depends on the screen. Bounded: stretches closer than a thousandth of the session are
 * drawn as one, so a lane holds at most ~1,000 rectangles however long the session is.
 */
export interface Lane {
  name: string;
  colour: string;
  spans: Array<{ start: number; end: number }>;
}

/** Lane height in SVG units; the page draws each lane this many CSS pixels high too. */
const LANE = 10;
const MERGE_SHARE = 1 / 1000;

export function timelineHtml(lanes: readonly Lane[], markers: readonly Marker[], duration: number, noteWord: string): string {
  const width = Math.max(1, duration);
  const height = Math.max(1, lanes.length) * LANE;
  const gap = width * MERGE_SHARE;
  const rows = lanes.map((lane, i) => {
    const rects = mergeSpans(lane.spans, gap).map((s) => `<rect x="${num(s.start)}" y="${i * LANE + 1}" width="${num(Math.max(s.end - s.start, gap / 2))}" height="${LANE - 2}"/>`);
    return `<g class="lane" data-lane="${i}" fill="${lane.colour}"><title>${escapeHtml(lane.name)}</title>${rects.join('')}</g>`;
  });
  const marks = markers.map(
    (m) => `<line class="marker" x1="${num(m.time)}" x2="${num(m.time)}" y1="0" y2="${height}" vector-effect="non-scaling-stroke"><title>${escapeHtml(`${noteWord} ${clock(Math.floor(m.time))} — ${m.text}`)}</title></line>`,
  );
  const svg =
    `<svg id="timeline" viewBox="0 0 ${num(width)} ${height}" preserveAspectRatio="none" style="height:${height * 1.8}px" role="img">` +
    `<rect class="bg" x="0" y="0" width="${num(width)}" height="${height}"/>${rows.join('')}${marks.join('')}` +
    `<line id="cursor" x1="0" x2="0" y1="0" y2="${height}" vector-effect="non-scaling-stroke"/></svg>`;
  const names = lanes.map((l) => `<li style="--c:${l.colour}">${escapeHtml(l.name)}</li>`).join('');
  const axis = ticks(duration).map((t) => `<span style="left:${num((100 * t) / width)}%">${clock(t)}</span>`).join('');
  return `<div class="tl"><ul class="tl-names" style="--lane:${LANE * 1.8}px">${names}</ul><div class="tl-plot">${svg}<div class="tl-axis">${axis}</div></div></div>`;
}

const STEPS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

/** Round times for the axis, at most 8 of them. */
function ticks(duration: number): number[] {
  const step = STEPS.find((s) => duration / s <= 8) ?? Math.ceil(duration / 8 / 3600) * 3600;
  const out: number[] = [];
  for (let t = 0; t < duration; t += step) out.push(t);
  return out;
}

/** A number for SVG: two decimals are a hundredth of a second, far below a pixel. */
function num(x: number): string {
  return String(Math.round(x * 100) / 100);
}
