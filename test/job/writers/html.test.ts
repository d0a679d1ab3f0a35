/**
 * transcript.html as text (the browser tests, html-page.test.ts, check what a person sees): registered as a format,
 * escaped everywhere, self-contained (nothing to fetch, the script allowed by its hash), in the page's language,
 * corrections and glossary names put on the right words, and bounded for a long session.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { renderHtml, jsonForScript } from '../../../job/writers/html.js';
import { markedHtml, nameFinder, placeCorrections } from '../../../job/writers/html-text.js';
import { mergeSpans } from '../../../job/spans.js';
import { contentTypeFor, FORMATS, getWriter, renderAll } from '../../../job/writers/index.js';
import { OUTPUT_FORMATS, parseJobConfig } from '../../../lib/config/job.js';
import { LONG_GLOSSARY, longTranscript } from '../../support/long-transcript.js';
import { PAGE_GLOSSARY, pageTranscript } from './page-fixture.js';

describe('transcript.html', () => {
  it('shows the recap when there is one: each event and quote a link to its moment, the model\'s text escaped', () => {
    const t = pageTranscript();
    assert.ok(!renderHtml(t).includes('class="recap"'), 'no recap, no section');
    const page = renderHtml({
      ...t,
      recap: {
        language: 'fr',
        previously: 'Le groupe quitte <Port-Sombre>.',
        events: [{ time: 65.4, text: 'Eldrin ouvre la porte & entre.' }],
        characters: [{ name: 'Eldrin', note: 'un elfe' }],
        places: [],
        items: [{ name: 'Pierre d\'Aube' }],
        threads: ['Qui a volé la clé ?'],
        quotes: [{ time: 83, speaker: 'Hugo', text: '<script>alert(1)</script> On y va !' }],
        model: 'gemini-3.5-flash on Vertex AI (europe-west1)',
      },
    });
    const recap = page.slice(page.indexOf('<section class="recap"'), page.indexOf('</section>', page.indexOf('<section class="recap"')));
    assert.match(recap, /<h2>Précédemment…<\/h2><p class="previously">Le groupe quitte &lt;Port-Sombre&gt;\.<\/p>/);
    assert.match(recap, /<ol class="events"><li><a class="time" href="#t=0:01:05">0:01:05<\/a> Eldrin ouvre la porte &amp; entre\.<\/li><\/ol>/);
    assert.match(recap, /<h3>Lieux<\/h3><p class="none">Rien de noté\.<\/p>/);
    assert.match(recap, /<blockquote><p>&lt;script&gt;alert\(1\)&lt;\/script&gt; On y va !<\/p><footer>— Hugo, <a class="time" href="#t=0:01:23">0:01:23<\/a><\/footer><\/blockquote>/);
    assert.match(recap, /Résumé écrit par gemini-3\.5-flash on Vertex AI \(europe-west1\)/);
    assert.ok(page.indexOf('class="recap"') < page.indexOf('class="who-when"'), 'right after the header');
  });

  it('is a format of its own, written by default, served as HTML, with audio.opus typed as Ogg', () => {
    assert.ok(OUTPUT_FORMATS.includes('html'));
    assert.ok(parseJobConfig({ INPUT_PREFIX: 'in' }).formats.includes('html'), 'in the default formats');
    assert.deepEqual(parseJobConfig({ INPUT_PREFIX: 'in', OUTPUT_FORMATS: 'html,md' }).formats, ['html', 'md']);
    assert.equal(getWriter('html').fileName, 'transcript.html');
    assert.equal(getWriter('html').contentType, 'text/html; charset=utf-8');
    assert.equal(contentTypeFor('transcript.html'), 'text/html; charset=utf-8');
    assert.equal(contentTypeFor('audio.opus'), 'audio/ogg');
    assert.ok(renderAll(pageTranscript(), FORMATS).some((f) => f.name === 'transcript.html'));
  });

  it('escapes everything from the transcript: names, text, notes, the session; only its own two scripts', () => {
    const t = pageTranscript();
    t.session = '"><script>alert(1)</script>';
    t.speakers[0]!.name = 'Cam"ille <i>';
    t.segments[0]!.speaker = 'Cam"ille <i>';
    t.markers = [{ time: 3, text: '</aside><script>x()</script>' }];
    t.sources[0]!.name = '<img src=x onerror=alert(1)>.m4a';
    const html = renderHtml(t, { glossary: ['<b>'] });
    assert.equal(html.match(/<script\b/g)?.length, 2, 'the page data and the page script, nothing else');
    assert.doesNotMatch(html, /<script>(alert|window\.pwned|x\(\))/);
    assert.doesNotMatch(html, /<img|<i>|<b>gras/);
    assert.match(html, /&lt;script&gt;window\.pwned = true&lt;\/script&gt; &amp; &lt;b&gt;gras&lt;\/b&gt;/);
    assert.match(html, /Cam&quot;ille &lt;i&gt;/);
    assert.match(html, /<title>&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt; — Transcription<\/title>/);
  });

  it('needs nothing from outside: no URL, no font, and a policy allowing its own script (by hash) and media only', () => {
    const html = renderHtml(pageTranscript(), { glossary: PAGE_GLOSSARY });
    assert.doesNotMatch(html, /https?:\/\/|<link\b|@import|url\(|@font-face/, 'nothing to fetch');
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!.replace(/&#39;/g, "'");
    assert.match(csp, /default-src 'none'/);
    const script = /<script>([\s\S]*?)<\/script>\n<\/body>/.exec(html)![1]!;
    assert.ok(csp.includes(`script-src 'sha256-${createHash('sha256').update(script).digest('base64')}'`), 'the script runs by its hash');
    assert.match(csp, /media-src 'self' file:;/);
  });

  it('keeps script data inert: no string closes the data element', () => {
    assert.equal(jsonForScript({ a: '</script><script>x()</script>\u2028' }), '{"a":"\\u003c/script>\\u003cscript>x()\\u003c/script>\\u2028"}');
  });

  it('speaks the page language: French by default, English when asked', () => {
    const fr = renderHtml(pageTranscript());
    const en = renderHtml(pageTranscript(), { lang: 'en', createdAt: new Date('2024-05-12T20:00:00Z') });
    assert.match(fr, /<html lang="fr">/);
    assert.match(fr, /Qui parle quand/);
    assert.match(en, /<html lang="en">/);
    assert.match(en, /Who spoke when/);
    assert.match(en, /12 May 2024.*20:00 UTC/);
    assert.match(en, /"noAudio":"The recording \(audio\.opus\) is not next to this page/);
    assert.doesNotMatch(en, /Participants|Transcription/);
  });

  it('lists the header facts: duration, sources, languages by share, speakers with talk time and share (of all speech)', () => {
    const html = renderHtml(pageTranscript());
    assert.match(html, /<dt>Durée<\/dt><dd>0:02:00<\/dd>/);
    assert.match(html, /<dd>session-12\.m4a \(0:02:00\)<\/dd>/);
    assert.match(html, /<dt>Langues<\/dt><dd>fr \(\d+ %\), en \(\d+ %\)<\/dd>/);
    assert.match(html, /Camille<\/th><td>0:00:26<\/td><td class="share"><span class="bar" style="width:50\.8%"><\/span><span class="pct">51 %<\/span>/);
  });

  it('puts each correction on its word: overlapping in time, the same speaker first, never twice on one word', () => {
    const segments = [
      { start: 0, end: 4, speaker: 'Hugo', text: 'Eldrin, Eldrin!' },
      { start: 3.5, end: 6, speaker: 'Camille', text: 'Eldrin arrive.' },
      { start: 30, end: 33, speaker: 'Camille', text: 'Eldrin repart.' },
    ];
    const note = (c: { before: string }) => `heard ${c.before}`;
    const placed = placeCorrections(
      segments,
      [
        { start: 3.6, end: 4, speaker: 'Camille', before: 'Elle drain', after: 'Eldrin', reason: 'sounds-like' },
        { start: 1, end: 2, speaker: 'Hugo', before: 'eldrine', after: 'Eldrin', reason: 'alias' },
        { start: 1.5, end: 2.5, speaker: 'Hugo', before: 'el drin', after: 'Eldrin', reason: 'alias' },
        { start: 60, end: 61, speaker: 'Camille', before: 'x', after: 'Eldrin', reason: 'alias' },
        { start: 31, end: 32, speaker: 'Camille', before: 'Morgana', after: 'Morgane', reason: 'alias' },
      ],
      note,
    );
    assert.deepEqual(placed.get(1), [{ from: 0, to: 6, kind: 'fix', note: 'heard Elle drain' }]);
    assert.deepEqual(placed.get(0), [
      { from: 0, to: 6, kind: 'fix', note: 'heard eldrine' },
      { from: 8, to: 14, kind: 'fix', note: 'heard el drin' },
    ]);
    assert.equal(placed.get(2), undefined, 'too far in time, or a name the text does not hold: left out');
  });

  it('finds glossary names on whole words, whatever their case and accents, the longer name first', () => {
    const find = nameFinder(['Val', 'Val-de-Brume', 'Eldrin', 'jet de sauvegarde']);
    const text = 'À VAL-DE-BRUME, Éldrin rate son Jet de Sauvegarde ; Eldrinette et Valse non.';
    assert.deepEqual(find(text).map((m) => text.slice(m.from, m.to)), ['VAL-DE-BRUME', 'Éldrin', 'Jet de Sauvegarde']);
    assert.equal(markedHtml('a <Eldrin> & b', nameFinder(['Eldrin'])('a <Eldrin> & b')), 'a &lt;<span class="gl">Eldrin</span>&gt; &amp; b');
  });

  it('marks a correction over the glossary name it is, and escapes what was heard', () => {
    const html = markedHtml('Eldrin arrive', [
      { from: 0, to: 6, kind: 'name' },
      { from: 0, to: 6, kind: 'fix', note: 'Entendu « <b>Elle drain</b> »' },
    ]);
    assert.equal(html, '<span class="fix gl" data-was="Entendu « &lt;b&gt;Elle drain&lt;/b&gt; »" tabindex="0">Eldrin</span> arrive');
  });

  it('draws nearby stretches of speech as one, so that a lane stays small', () => {
    assert.deepEqual(mergeSpans([{ start: 5, end: 6 }, { start: 0, end: 1 }, { start: 1.4, end: 2 }, { start: 4, end: 4.5 }], 0.5), [
      { start: 0, end: 2 },
      { start: 4, end: 6 },
    ]);
  });

  it('stays small for a 4-hour session: under 3 MB, about a thousand rectangles a lane at most', () => {
    const t = longTranscript(4);
    const html = renderHtml(t, { glossary: LONG_GLOSSARY });
    assert.ok(Buffer.byteLength(html) < 3 * 1024 * 1024, `${Buffer.byteLength(html)} bytes`);
    const lanes = [...html.matchAll(/<g class="lane"[^>]*>([\s\S]*?)<\/g>/g)].map((m) => m[1]!.match(/<rect /g)?.length ?? 0);
    assert.equal(lanes.length, 5);
    assert.ok(Math.max(...lanes) <= 1001, `rectangles per lane: ${lanes.join(', ')}`);
    assert.equal(html.match(/<span class="fix/g)?.length, t.corrections!.length, 'every correction placed');
  });

  it('says so when nothing was transcribed', () => {
    const t = { ...pageTranscript(), segments: [], speakers: [], turns: [], corrections: [] };
    const html = renderHtml(t);
    assert.match(html, /Aucune parole n’a été transcrite/);
    assert.match(html, /Les participants n’ont pas pu être distingués/);
    assert.equal(html.match(/<g class="lane"/g)?.length, 1, 'one lane, for the speech');
  });
});
