import { createHash } from 'node:crypto';
import { LOW_CONFIDENCE_LOGPROB } from '../report.js';
import { clock, type Marker, type Transcript } from '../transcript.js';
import { PAGE_WORDS, type PageLang, type PageWords } from './html-i18n.js';
import { PAGE_SCRIPT } from './html-script.js';
import { PAGE_STYLE } from './html-style.js';
import { escapeHtml, markedHtml, nameFinder, placeCorrections, type PlacedSegment, type TextMark } from './html-text.js';
import { timelineHtml, type Lane } from './html-timeline.js';
import { cleanText, groupTurns } from './turns.js';
import { recapHtml } from './html-recap.js';

/**
 * transcript.html: the session to read, search and listen to, in one self-contained file (its style and script
 * inline, no font, no request to any server), so that it opens from the zip on a laptop offline or from a signed link.
 * The page plays `audio.opus` when it sits beside it (the job writes it there). Pure: data in, one HTML string out;
 * every piece of the transcript is escaped, and a Content-Security-Policy allows only the page's own script (by its
 * hash) and media, so that even a missed escape could neither run nor fetch anything.
 */
export interface HtmlOptions {
  /** When the run happened, for the header. */
  createdAt?: Date;
  /** The page's language (the emails'); French by default. */
  lang?: PageLang;
  /** Glossary names to highlight (context.yaml's characters, places and terms). */
  glossary?: readonly string[];
}

/** The audio file the page plays, beside it (the job writes it there: job/finish.ts). */
export const PAGE_AUDIO = 'audio.opus';

/** Colour-blind-safe first (Okabe–Ito), then hues a golden angle apart. */
const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#8c6d1f', '#6a3d9a'];
const UNNAMED_COLOUR = '#8a8a8a';

interface PageSpeaker {
  name: string;
  colour: string;
  talkSeconds: number;
  /** The lane of speech no speaker was found for. */
  unnamed?: true;
}

export function renderHtml(t: Transcript, options: HtmlOptions = {}): string {
  const lang = options.lang ?? 'fr';
  const w = PAGE_WORDS[lang];
  const speakers = pageSpeakers(t, w);
  const index = new Map(speakers.flatMap((s, i) => (s.unnamed ? [] : [[s.name, i] as const])));
  const unnamedIndex = speakers.findIndex((s) => s.unnamed);
  const laneOf = (speaker: string | undefined) => (speaker !== undefined ? index.get(speaker) : unnamedIndex);

  const header = headerHtml(t, speakers, w, options.createdAt);
  const lanes: Lane[] = speakers.map((s) => ({ name: s.name, colour: s.colour, spans: [] }));
  const named = t.turns && t.turns.length > 0 ? t.turns : [];
  // Diarization's turns where there are some (who spoke when, finer than the lines), the lines otherwise.
  for (const turn of named) lanes[laneOf(turn.speaker) ?? -1]?.spans.push(turn);
  for (const s of t.segments) if (named.length === 0 || s.speaker === undefined) lanes[laneOf(s.speaker) ?? -1]?.spans.push(s);
  const markers = [...(t.markers ?? [])].sort((a, b) => a.time - b.time);
  const timeline = timelineHtml(lanes, markers, t.duration, w.note);

  const body = turnsHtml(t, speakers, laneOf, markers, w, options.glossary ?? []);
  const data = { duration: t.duration, audio: PAGE_AUDIO, words: w.page };
  const script = PAGE_SCRIPT;
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'`,
    "style-src 'unsafe-inline'",
    // The audio beside the page: file: from the zip, the page's own origin from a signed link to the bucket.
    "media-src 'self' file:",
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return [
    '<!doctype html>',
    `<html lang="${lang}">`,
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(t.session)} — ${escapeHtml(w.transcript)}</title>`,
    `<style>${PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    header,
    ...(t.recap ? [recapHtml(t.recap)] : []),
    `<section class="who-when"><h2>${escapeHtml(w.timeline)}</h2>${timeline}<p class="hint">${escapeHtml(w.timelineHint)}</p></section>`,
    toolbarHtml(speakers, w),
    `<p id="noaudio" class="notice" hidden>${escapeHtml(w.page.noAudio)}</p>`,
    `<main id="turns"><h2>${escapeHtml(w.transcript)}</h2><p class="legend">${escapeHtml(w.legend)}</p>${body}</main>`,
    `<footer>${escapeHtml(w.made)} · ${escapeHtml(t.model.asr)} · ${escapeHtml(t.model.vad)}${t.model.embedder ? ` · ${escapeHtml(t.model.embedder)}` : ''}</footer>`,
    `<script type="application/json" id="page-data">${jsonForScript(data)}</script>`,
    `<script>${script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** The speakers as the page lists them: by talk time, each with its colour; a lane for unnamed speech when there is some. */
function pageSpeakers(t: Transcript, w: PageWords): PageSpeaker[] {
  const talk = new Map<string, number>();
  for (const s of t.speakers) talk.set(s.name, s.talkSeconds);
  const fromSegments = new Map<string, number>();
  let unnamed = 0;
  for (const s of t.segments) {
    const seconds = Math.max(0, s.end - s.start);
    if (s.speaker === undefined) unnamed += seconds;
    else fromSegments.set(s.speaker, (fromSegments.get(s.speaker) ?? 0) + seconds);
  }
  for (const [name, seconds] of fromSegments) if (!talk.has(name)) talk.set(name, seconds);
  const named = [...talk.entries()].sort((a, b) => b[1] - a[1]);
  const list: PageSpeaker[] = named.map(([name, talkSeconds], i) => ({ name, talkSeconds, colour: colourAt(i) }));
  if (unnamed > 0 || list.length === 0) list.push({ name: list.length === 0 ? w.speech : w.unnamed, talkSeconds: unnamed, colour: UNNAMED_COLOUR, unnamed: true });
  return list;
}

function colourAt(i: number): string {
  return PALETTE[i] ?? `hsl(${Math.round((i * 137.508) % 360)} 60% 42%)`;
}

function headerHtml(t: Transcript, speakers: readonly PageSpeaker[], w: PageWords, createdAt: Date | undefined): string {
  const facts: Array<[string, string]> = [];
  if (createdAt) facts.push([w.date, `${new Intl.DateTimeFormat(w.locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(createdAt)} UTC`]);
  facts.push([w.duration, clock(t.duration)]);
  facts.push([w.sources, t.sources.map((s) => `${s.name} (${clock(s.duration)})`).join(', ') || '—']);
  facts.push([w.languages, languageShares(t, w.locale)]);
  const total = speakers.reduce((n, s) => n + s.talkSeconds, 0);
  const rows = speakers.map((s) => {
    const share = total > 0 ? (100 * s.talkSeconds) / total : 0;
    return (
      `<tr style="--c:${s.colour}"><th scope="row"><span class="dot"></span>${escapeHtml(s.name)}</th><td>${clock(s.talkSeconds)}</td>` +
      `<td class="share"><span class="bar" style="width:${share.toFixed(1)}%"></span><span class="pct">${Math.round(share)} %</span></td></tr>`
    );
  });
  const table =
    speakers.every((s) => s.unnamed)
      ? `<p>${escapeHtml(w.noSpeakers)}</p>`
      : `<table class="speakers"><thead><tr><th><span class="vh">${escapeHtml(w.speakers)}</span></th><th>${escapeHtml(w.talkTime)}</th><th>${escapeHtml(w.share)}</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  return (
    `<header class="head"><h1>${escapeHtml(t.session)}</h1><dl class="facts">${facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl>` +
    `<section class="people"><h2>${escapeHtml(w.speakers)}</h2>${table}</section></header>`
  );
}

/** "fr (92 %), en (8 %)", by the time spoken in each; the transcript's language alone when segments do not say. */
function languageShares(t: Transcript, locale: string): string {
  const seconds = new Map<string, number>();
  for (const s of t.segments) if (s.lang) seconds.set(s.lang, (seconds.get(s.lang) ?? 0) + Math.max(0, s.end - s.start));
  const total = [...seconds.values()].reduce((a, b) => a + b, 0);
  if (seconds.size <= 1 || total <= 0) return [...seconds.keys()][0] ?? t.language;
  const space = locale.startsWith('fr') ? ' ' : '';
  return [...seconds.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([lang, s]) => `${lang} (${Math.round((100 * s) / total)}${space}%)`)
    .join(', ');
}

function toolbarHtml(speakers: readonly PageSpeaker[], w: PageWords): string {
  const options = speakers.map((s, i) => `<option value="${i}">${escapeHtml(s.name)}</option>`).join('');
  return (
    `<nav class="toolbar" id="bar"><audio id="audio" controls preload="metadata"></audio>` +
    `<span class="find"><input id="q" type="search" placeholder="${escapeHtml(w.search)}" aria-label="${escapeHtml(w.search)}" autocomplete="off">` +
    `<button id="prev" type="button" title="${escapeHtml(w.previous)}" aria-label="${escapeHtml(w.previous)}">↑</button>` +
    `<button id="next" type="button" title="${escapeHtml(w.next)}" aria-label="${escapeHtml(w.next)}">↓</button>` +
    `<output id="count" aria-live="polite"></output></span>` +
    `<select id="who" aria-label="${escapeHtml(w.speakers)}"><option value="">${escapeHtml(w.everyone)}</option>${options}</select>` +
    `<span class="keys">${escapeHtml(w.keys)}</span></nav>`
  );
}

function turnsHtml(t: Transcript, speakers: readonly PageSpeaker[], laneOf: (s: string | undefined) => number | undefined, markers: readonly Marker[], w: PageWords, glossary: readonly string[]): string {
  const turns = groupTurns(t.segments);
  if (turns.length === 0) return `<p class="empty">${escapeHtml(w.noSpeech)}</p>${markers.map((m) => noteHtml(m, w)).join('')}`;
  // Marks are found on every segment of the page at once, in time order, so corrections find their segment by time.
  const shown: Array<PlacedSegment & { avgLogprob?: number }> = turns.flatMap((turn) =>
    turn.segments.map((s) => ({ start: s.start, end: s.end, text: cleanText(s.text), ...(s.speaker !== undefined ? { speaker: s.speaker } : {}), ...(s.avgLogprob !== undefined ? { avgLogprob: s.avgLogprob } : {}) })),
  );
  const fixes = placeCorrections(shown, t.corrections ?? [], (c) => w.corrected(c.before, c.reason));
  const names = nameFinder(glossary);
  const out: string[] = [];
  let m = 0;
  let k = 0;
  turns.forEach((turn, i) => {
    while (m < markers.length && markers[m]!.time <= turn.start) out.push(noteHtml(markers[m++]!, w));
    const lane = laneOf(turn.speaker) ?? 0;
    const speaker = speakers[lane]!;
    const segs = turn.segments.map(() => {
      const s = shown[k]!;
      const marks: TextMark[] = [...(fixes.get(k) ?? []), ...names(s.text)];
      k++;
      if (!s.text) return '';
      const doubt = s.avgLogprob !== undefined && s.avgLogprob < LOW_CONFIDENCE_LOGPROB;
      return `<span class="seg${doubt ? ' doubt' : ''}" data-s="${sec(s.start)}"${doubt ? ` title="${escapeHtml(w.doubtful)}"` : ''}>${markedHtml(s.text, marks)}</span>`;
    });
    const at = clock(Math.floor(turn.start));
    out.push(
      `<article class="turn" id="turn-${i}" data-sp="${lane}" data-start="${sec(turn.start)}" data-end="${sec(turn.end)}" style="--c:${speaker.colour}">` +
        `<div class="meta"><span class="who">${escapeHtml(turn.speaker ?? (speakers.length > 1 ? speaker.name : ''))}</span> <a class="time" href="#t=${at}" title="${escapeHtml(w.linkTitle)}">${at}</a></div>` +
        `<p>${segs.filter(Boolean).join(' ')}</p></article>`,
    );
  });
  while (m < markers.length) out.push(noteHtml(markers[m++]!, w));
  return out.join('\n');
}

function noteHtml(m: Marker, w: PageWords): string {
  return `<aside class="note" data-start="${sec(m.time)}"><b>${escapeHtml(w.note)}</b> <span class="time">${clock(Math.floor(m.time))}</span> ${escapeHtml(cleanText(m.text))}</aside>`;
}

/** Seconds for data attributes: milliseconds are plenty for seeking. */
function sec(x: number): string {
  return String(Math.round(Math.max(0, x) * 1000) / 1000);
}

/** JSON inside a <script> element: `<` escaped so that no string can close the element or open a comment. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
