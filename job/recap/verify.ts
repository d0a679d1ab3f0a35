import type { Recap, RecapEntry, RecapEvent, RecapQuote, Segment } from '../transcript.js';
import { foldText } from '../stages/fold.js';
import type { RecapDraft } from './answer.js';

/**
 * A model writes fluent text whether or not the session said it. What can be checked is checked here: every quote
 * must be in the transcript, word for word once case, accents and punctuation are set aside, near the time the
 * model gave (the transcript it saw has a time per turn, and a turn runs up to two minutes); every time must fall
 * within the session. What fails is dropped and counted, for the report. A kept quote takes the time and the
 * speaker of the line it was found in, which the transcript knows better than the model.
 */
/** How far from the model's time a quote may be found, seconds: a turn's length, and some slack. */
export const QUOTE_WINDOW_SECONDS = 150;

export interface Dropped {
  /** Quotes not found in the transcript near their time. */
  quotes: number;
  /** Events and quotes whose time is past the end of the session, or unreadable. */
  times: number;
}

export function verifyRecap(draft: RecapDraft, transcript: { duration: number; segments: readonly Segment[] }, about: { language: string; model: string }): { recap: Recap; dropped: Dropped } {
  const dropped: Dropped = { quotes: 0, times: 0 };
  // The prompt's times are rounded down, so a real one is never past the session's length.
  const within = (t: number | undefined): t is number => t !== undefined && t >= 0 && t <= transcript.duration;

  const events: RecapEvent[] = [];
  for (const e of draft.events) {
    if (!e.text) continue;
    const t = readTime(e.time);
    if (!within(t)) dropped.times++;
    else events.push({ time: t, text: e.text });
  }
  events.sort((a, b) => a.time - b.time);

  const index = new TranscriptIndex(transcript.segments);
  const quotes: RecapQuote[] = [];
  for (const q of draft.quotes) {
    if (!foldText(q.text)) continue;
    const t = readTime(q.time);
    if (!within(t)) {
      dropped.times++;
      continue;
    }
    const found = index.find(q.text, t, QUOTE_WINDOW_SECONDS);
    if (!found) {
      dropped.quotes++;
      continue;
    }
    if (quotes.some((k) => foldText(k.text) === foldText(q.text))) continue;
    quotes.push({ time: found.start, ...(found.speaker ? { speaker: found.speaker } : {}), text: q.text });
  }
  quotes.sort((a, b) => a.time - b.time);

  return {
    recap: {
      language: about.language,
      previously: draft.previously,
      events,
      characters: entries(draft.characters),
      places: entries(draft.places),
      items: entries(draft.items),
      threads: draft.threads.filter(Boolean),
      quotes,
      model: about.model,
    },
    dropped,
  };
}

/** "1:02:03", "[01:02:03]", "62:03", "1h02m03s" or a number of seconds → seconds; undefined when unreadable. */
export function readTime(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  const v = value.trim().replace(/^\[|\]$/g, '');
  let m = /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[.,]\d+)?$/.exec(v);
  if (m) return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  m = /^(\d{1,3}):(\d{1,2})(?:[.,]\d+)?$/.exec(v);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  m = /^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*(?:(\d+)\s*s)?$/i.exec(v);
  if (m && (m[1] || m[2] || m[3])) return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return undefined;
}

function entries(list: RecapDraft['characters']): RecapEntry[] {
  const seen = new Set<string>();
  const out: RecapEntry[] = [];
  for (const e of list) {
    const key = foldText(e.name);
    if (!key || seen.has(key)) continue;
    seen.add(key);
    out.push({ name: e.name, ...(e.note ? { note: e.note } : {}) });
  }
  return out;
}

/**
 * The transcript's segments, normalised once, so that each quote is looked for in the text of the segments around
 * its time laid end to end (a quote may run across two segments).
 */
class TranscriptIndex {
  private readonly items: Array<{ start: number; end: number; speaker?: string; text: string }>;

  constructor(segments: readonly Segment[]) {
    this.items = segments.map((s) => ({ start: s.start, end: s.end, speaker: s.speaker, text: foldText(s.text) })).filter((s) => s.text);
  }

  find(quote: string, time: number, window: number): { start: number; speaker?: string } | undefined {
    const wanted = foldText(quote);
    const near = this.items.filter((s) => s.end >= time - window && s.start <= time + window);
    let joined = '';
    const starts: number[] = [];
    for (const s of near) {
      starts.push(joined.length);
      joined += `${s.text} `;
    }
    // Whole words only: " ou " must not match inside " nous ".
    const at = ` ${joined}`.indexOf(` ${wanted} `);
    if (at < 0) return undefined;
    let i = starts.length - 1;
    while (i > 0 && starts[i]! > at) i--;
    const hit = near[i]!;
    return { start: hit.start, ...(hit.speaker ? { speaker: hit.speaker } : {}) };
  }
}
