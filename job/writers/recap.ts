import { clock, type Recap, type RecapEntry } from '../transcript.js';
import { markdownLine as md } from './md.js';

/**
 * recap.md: the session's recap for the group, in the language it is written in (French or English headings; other
 * languages get the English ones), every event and quote with the time to find it in the recording.
 */
export const RECAP_FILE = 'recap.md';

/** recap.md's headings; transcript.html's recap section uses them too (plain, without the Markdown's underscores). */
export const RECAP_HEADINGS = {
  fr: {
    title: (s: string) => `Résumé de la séance : ${s}`,
    previously: 'Précédemment…',
    events: 'Les moments clés',
    characters: 'Personnages rencontrés',
    places: 'Lieux',
    items: 'Objets et butin',
    threads: 'Pistes en suspens',
    quotes: 'Répliques mémorables',
    none: '_Rien de noté._',
    footer: (m: string) => `_Résumé écrit par ${m} à partir de la transcription : relisez-le avant de le partager. Les citations ont été vérifiées dans la transcription._`,
  },
  en: {
    title: (s: string) => `Session recap: ${s}`,
    previously: 'Previously…',
    events: 'Key events',
    characters: 'Characters met',
    places: 'Places',
    items: 'Items and loot',
    threads: 'Open threads',
    quotes: 'Memorable quotes',
    none: '_Nothing noted._',
    footer: (m: string) => `_Recap written by ${m} from the transcript: read it before sharing it. The quotes were checked against the transcript._`,
  },
} as const;

export function renderRecapMarkdown(session: string, recap: Recap): string {
  const h = recap.language === 'fr' ? RECAP_HEADINGS.fr : RECAP_HEADINGS.en;
  const out = [`# ${md(h.title(session))}`, '', `## ${h.previously}`, '', md(recap.previously) || h.none, ''];
  out.push(`## ${h.events}`, '');
  if (recap.events.length === 0) out.push(h.none);
  for (const e of recap.events) out.push(`- [${clock(Math.floor(e.time))}] ${md(e.text)}`);
  out.push('');
  for (const [title, list] of [
    [h.characters, recap.characters],
    [h.places, recap.places],
    [h.items, recap.items],
  ] as const) {
    out.push(`## ${title}`, '', ...(list.length > 0 ? list.map(entry) : [h.none]), '');
  }
  out.push(`## ${h.threads}`, '', ...(recap.threads.length > 0 ? recap.threads.map((t) => `- ${md(t)}`) : [h.none]), '');
  out.push(`## ${h.quotes}`, '');
  if (recap.quotes.length === 0) out.push(h.none);
  for (const q of recap.quotes) out.push(`> ${md(q.text)}`, `> — ${q.speaker ? `${md(q.speaker)}, ` : ''}[${clock(Math.floor(q.time))}]`, '');
  out.push('', h.footer(md(recap.model)));
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}

function entry(e: RecapEntry): string {
  return `- **${md(e.name)}**${e.note ? ` — ${md(e.note)}` : ''}`;
}
