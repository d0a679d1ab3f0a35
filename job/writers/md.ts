import { clock, type Transcript } from '../transcript.js';
import { groupTurns } from './turns.js';

/**
 * The transcript for the people who were at the table: a short header (when, how long, who spoke how much, which
 * recordings), then the conversation as paragraphs, one per turn, each with its speaker and where it starts in the
 * recording.
 */
export interface MarkdownOptions {
  /** When the run happened; left out of the header when not given, so the output depends on its inputs only. */
  createdAt?: Date;
}

export function renderMarkdown(t: Transcript, options: MarkdownOptions = {}): string {
  const rows: Array<[string, string]> = [];
  if (options.createdAt) rows.push(['Date', formatDate(options.createdAt)]);
  rows.push(['Duration', clock(t.duration)]);
  rows.push(['Language', t.language]);
  rows.push(['Speakers', speakerList(t)]);
  rows.push(['Sources', t.sources.map((s) => `${s.name} (${clock(s.offset)}–${clock(s.offset + s.duration)})`).join(', ') || '—']);

  const out = [`# ${escapeMarkdown(t.session)}`, '', '| | |', '|---|---|'];
  for (const [key, value] of rows) out.push(`| ${key} | ${escapeCell(escapeMarkdown(value))} |`);
  out.push('', '## Transcript', '');
  const turns = groupTurns(t.segments);
  if (turns.length === 0) out.push('_No speech was transcribed._', '');
  // Notes taken while recording (Craig's /note) stand between the turns, at their time.
  const markers = [...(t.markers ?? [])].sort((a, b) => a.time - b.time);
  let m = 0;
  const note = () => {
    const marker = markers[m++]!;
    out.push(`> **Note** [${clock(Math.floor(marker.time))}] ${markdownLine(marker.text)}`, '');
  };
  for (const turn of turns) {
    while (m < markers.length && markers[m]!.time <= turn.start) note();
    const who = turn.speaker ? `**${escapeMarkdown(turn.speaker)}** ` : '';
    // Rounded down: a reader who seeks to the timestamp must land before the first word, not after it.
    out.push(`${who}[${clock(Math.floor(turn.start))}] ${escapeMarkdown(turn.text)}`, '');
  }
  while (m < markers.length) note();
  return out.join('\n');
}

function speakerList(t: Transcript): string {
  if (t.speakers.length === 0) return 'not identified';
  return [...t.speakers]
    .sort((a, b) => b.talkSeconds - a.talkSeconds)
    .map((s) => `${s.name} (${clock(s.talkSeconds)})`)
    .join(', ');
}

function formatDate(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Backslash-escapes the characters that would turn spoken text into markup (emphasis, links, HTML, code). Others stay
 * as they are so the raw file still reads naturally.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_<>[\]]/g, (c) => `\\${c}`);
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** Text that must stay on one line of Markdown (a note, a list item): its spacing collapsed, then escaped. */
export function markdownLine(text: string): string {
  return escapeMarkdown(text.replace(/\s+/g, ' ').trim());
}

/** The same, for a table cell: its pipes escaped too. */
export function markdownCell(text: string): string {
  return escapeCell(markdownLine(text));
}
