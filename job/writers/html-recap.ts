import { clock, type Recap, type RecapEntry } from '../transcript.js';
import { escapeHtml } from './html-text.js';
import { RECAP_HEADINGS } from './recap.js';

/**
 * transcript.html's recap section, when the run wrote one (job/stages/recap.ts): recap.md's parts, in the recap's
 * language, each time a link to that moment of the page (`#t=H:MM:SS`, which the page's script scrolls to and plays
 * from). Pure; everything from the model is escaped.
 */
export function recapHtml(recap: Recap): string {
  const h = recap.language === 'fr' ? RECAP_HEADINGS.fr : RECAP_HEADINGS.en;
  const plain = (text: string) => escapeHtml(text.replace(/^_|_$/g, ''));
  const at = (seconds: number) => {
    const t = clock(Math.floor(seconds));
    return `<a class="time" href="#t=${t}">${t}</a>`;
  };
  const none = `<p class="none">${plain(h.none)}</p>`;
  const entries = (list: readonly RecapEntry[]) =>
    list.length === 0 ? none : `<ul>${list.map((e) => `<li><strong>${escapeHtml(e.name)}</strong>${e.note ? ` — ${escapeHtml(e.note)}` : ''}</li>`).join('')}</ul>`;
  const parts = [
    `<h2>${escapeHtml(h.previously)}</h2>`,
    `<p class="previously">${escapeHtml(recap.previously) || plain(h.none)}</p>`,
    `<h3>${escapeHtml(h.events)}</h3>`,
    recap.events.length === 0 ? none : `<ol class="events">${recap.events.map((e) => `<li>${at(e.time)} ${escapeHtml(e.text)}</li>`).join('')}</ol>`,
    `<h3>${escapeHtml(h.characters)}</h3>`,
    entries(recap.characters),
    `<h3>${escapeHtml(h.places)}</h3>`,
    entries(recap.places),
    `<h3>${escapeHtml(h.items)}</h3>`,
    entries(recap.items),
    `<h3>${escapeHtml(h.threads)}</h3>`,
    recap.threads.length === 0 ? none : `<ul>${recap.threads.map((t) => `<li>${escapeHtml(t)}</li>`).join('')}</ul>`,
    `<h3>${escapeHtml(h.quotes)}</h3>`,
    recap.quotes.length === 0
      ? none
      : recap.quotes.map((q) => `<blockquote><p>${escapeHtml(q.text)}</p><footer>— ${q.speaker ? `${escapeHtml(q.speaker)}, ` : ''}${at(q.time)}</footer></blockquote>`).join(''),
    `<p class="hint">${plain(h.footer(recap.model))}</p>`,
  ];
  return `<section class="recap" id="recap">${parts.join('')}</section>`;
}
