/**
 * transcript.html in a real browser (Debian's chromium through playwright-core), opened from file:// as someone who
 * unzipped the results would open it, with audio.opus beside it: the timeline, the search, the speaker filter, a click
 * that plays the line, #t= links, the keyboard, corrections on hover, the print style; no console error and no
 * request but the page and its audio. Inside run-tests.sh's network namespace, so a request that tried to leave the
 * machine would fail too.
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { encodeListening, ffmpegTools } from '../../../job/engines/ffmpeg.js';
import { renderHtml } from '../../../job/writers/html.js';
import { cleanText, groupTurns } from '../../../job/writers/turns.js';
import { chromiumPath, openBrowser, watchedPage, type Browser, type WatchedPage } from '../../support/browser.js';
import { scratchDir } from '../../support/fixtures.js';
import { requires } from '../../support/requires.js';
import { PAGE_GLOSSARY, pageTranscript, SCRIPT_TEXT } from './page-fixture.js';

const dir = join(scratchDir(), 'page');
const bare = join(scratchDir(), 'page-alone');
const pageUrl = pathToFileURL(join(dir, 'transcript.html')).href;
const audioUrl = pathToFileURL(join(dir, 'audio.opus')).href;
const t = pageTranscript();
const turns = groupTurns(t.segments);
let browser: Browser | undefined;

before(async () => {
  mkdirSync(dir, { recursive: true });
  mkdirSync(bare, { recursive: true });
  const html = renderHtml(t, { lang: 'fr', glossary: PAGE_GLOSSARY, createdAt: new Date('2024-05-12T20:00:00Z') });
  writeFileSync(join(dir, 'transcript.html'), html);
  writeFileSync(join(bare, 'transcript.html'), html);
  // The session's sound as the job makes it (16 kHz PCM → Opus): a quiet tone, as long as the session.
  const pcm = new Int16Array(t.duration * 16000).map((_, i) => Math.round(2000 * Math.sin((2 * Math.PI * 220 * i) / 16000)));
  writeFileSync(join(dir, 'session.pcm'), Buffer.from(pcm.buffer));
  await encodeListening(ffmpegTools(), [join(dir, 'session.pcm')], join(dir, 'audio.opus'));
  const path = chromiumPath();
  if (path) browser = await openBrowser(path);
});
after(async () => {
  await browser?.close();
});

/** A fresh tab on the page (with `hash`), its audio's metadata loaded; checks afterwards that it stayed clean. */
async function open(test: TestContext, hash = ''): Promise<WatchedPage | undefined> {
  if (!requires(test, browser, 'chromium (the Debian package, at /usr/bin/chromium)')) return undefined;
  const watched = await watchedPage(browser!);
  await watched.page.goto(pageUrl + hash);
  await watched.page.waitForFunction(() => (document.getElementById('audio') as HTMLAudioElement).readyState >= 1);
  return watched;
}

function assertClean(watched: WatchedPage) {
  const others = browser!.requests.filter((u) => u !== pageUrl && !u.startsWith(pageUrl + '#') && u !== audioUrl);
  assert.deepEqual(others, [], 'no request but the page and the audio beside it');
  assert.deepEqual(watched.problems, [], 'no console error or warning, no uncaught exception');
}

const visibleTurns = (page: Page) => page.$$eval('.turn', (els) => els.filter((el) => (el as HTMLElement).offsetParent !== null).map((el) => el.id));
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

describe('transcript.html in a browser', () => {
  it('draws one timeline lane per speaker, in the order of the speakers table', async (test) => {
    const w = await open(test);
    if (!w) return;
    const lanes = await w.page.$$eval('#timeline .lane', (els) => els.map((el) => el.querySelector('title')!.textContent));
    const table = await w.page.$$eval('table.speakers tbody th', (els) => els.map((el) => el.textContent));
    assert.deepEqual(lanes, ['Camille', 'Léa', 'Hugo', 'Sans nom']);
    assert.deepEqual(table, lanes);
    assert.equal(await w.page.locator('#timeline .marker').count(), t.markers!.length);
    await w.page.close();
    assertClean(w);
  });

  it('searching a name, whatever its accents and case, shows exactly the turns that hold it, highlighted and counted', async (test) => {
    const w = await open(test);
    if (!w) return;
    const holding = turns.flatMap((turn, i) => (fold(turn.text).includes('eldrin') ? [`turn-${i}`] : []));
    assert.equal(holding.length, 3, 'the fixture has Eldrin in three turns, one written ÉLDRIN');
    await w.page.fill('#q', 'ELDRÎN');
    await w.page.waitForFunction(() => document.getElementById('count')!.textContent !== '');
    assert.deepEqual(await visibleTurns(w.page), holding);
    assert.match((await w.page.textContent('#count'))!, /^1\/3 résultats dans 3 tours$/);
    assert.equal(await w.page.evaluate(() => CSS.highlights.get('search')?.size), 3);
    const highlighted = await w.page.evaluate(() => [...(CSS.highlights.get('search') as unknown as Set<Range>)].map((r) => r.toString()));
    assert.deepEqual(highlighted, ['Eldrin', 'Eldrin', 'ÉLDRIN']);
    await w.page.click('#next');
    assert.match((await w.page.textContent('#count'))!, /^2\/3 /);
    assert.equal(await w.page.evaluate(() => [...(CSS.highlights.get('search-now') as unknown as Set<Range>)][0]!.toString()), 'Eldrin');
    await w.page.click('#prev');
    await w.page.click('#prev');
    assert.match((await w.page.textContent('#count'))!, /^3\/3 /, 'previous wraps around');
    await w.page.fill('#q', 'dragon');
    await w.page.waitForFunction(() => document.getElementById('count')!.textContent === 'Aucun résultat');
    assert.deepEqual(await visibleTurns(w.page), []);
    await w.page.fill('#q', '');
    await w.page.waitForFunction(() => document.getElementById('count')!.textContent === '');
    assert.equal((await visibleTurns(w.page)).length, turns.length, 'every turn back');
    await w.page.close();
    assertClean(w);
  });

  it('Enter searches at once, even for a new query, and steps through the matches; Escape clears; / comes back to it', async (test) => {
    const w = await open(test);
    if (!w) return;
    await w.page.keyboard.press('/');
    assert.equal(await w.page.evaluate(() => document.activeElement?.id), 'q');
    await w.page.keyboard.type('brume');
    await w.page.keyboard.press('Enter');
    const brume = turns.filter((turn) => fold(turn.text).replace(/-/g, ' ').includes('brume')).length;
    assert.equal((await visibleTurns(w.page)).length, brume);
    await w.page.fill('#q', 'porte');
    await w.page.keyboard.press('Enter');
    assert.match((await w.page.textContent('#count'))!, /^1\/2 résultats dans 2 tours$/);
    await w.page.keyboard.press('Enter');
    assert.match((await w.page.textContent('#count'))!, /^2\/2 /);
    await w.page.keyboard.press('Shift+Enter');
    assert.match((await w.page.textContent('#count'))!, /^1\/2 /);
    await w.page.keyboard.press('Escape');
    assert.equal(await w.page.inputValue('#q'), '');
    assert.equal((await visibleTurns(w.page)).length, turns.length);
    await w.page.close();
    assertClean(w);
  });

  it('the speaker filter hides the other speakers, notes included, and combines with the search', async (test) => {
    const w = await open(test);
    if (!w) return;
    await w.page.selectOption('#who', { label: 'Léa' });
    const hers = turns.flatMap((turn, i) => (turn.speaker === 'Léa' ? [`turn-${i}`] : []));
    assert.equal(hers.length, 3);
    assert.deepEqual(await visibleTurns(w.page), hers);
    assert.equal(await w.page.locator('.note:visible').count(), 0);
    await w.page.fill('#q', 'val de brume');
    await w.page.waitForFunction(() => document.getElementById('count')!.textContent !== '');
    assert.deepEqual(await visibleTurns(w.page), [hers[0]], 'Val-de-Brume: in one of her turns (and one of Camille’s, hidden)');
    await w.page.close();
    assertClean(w);
  });

  it('a click on a line seeks the audio to its start and plays it; the playing turn is highlighted', async (test) => {
    const w = await open(test);
    if (!w) return;
    const i = 3;
    await w.page.evaluate(() => {
      const audio = document.getElementById('audio') as HTMLAudioElement;
      audio.addEventListener('playing', () => ((window as unknown as { playedAt: number }).playedAt = audio.currentTime), { once: true });
    });
    await w.page.click(`#turn-${i} .who`);
    await w.page.waitForFunction(() => (window as unknown as { playedAt?: number }).playedAt !== undefined);
    const playedAt = await w.page.evaluate(() => (window as unknown as { playedAt: number }).playedAt);
    assert.ok(Math.abs(playedAt - turns[i]!.start) <= 0.1, `played from ${playedAt}, the line starts at ${turns[i]!.start}`);
    assert.equal(await w.page.evaluate(() => (document.getElementById('audio') as HTMLAudioElement).paused), false);
    await w.page.waitForFunction((id) => document.getElementById(id)!.classList.contains('now'), `turn-${i}`);
    assert.deepEqual(await w.page.$$eval('.turn.now', (els) => els.map((el) => el.id)), [`turn-${i}`]);
    // Space pauses, and plays again.
    await w.page.keyboard.press(' ');
    assert.equal(await w.page.evaluate(() => (document.getElementById('audio') as HTMLAudioElement).paused), true);
    await w.page.keyboard.press(' ');
    await w.page.waitForFunction(() => !(document.getElementById('audio') as HTMLAudioElement).paused);
    await w.page.close();
    assertClean(w);
  });

  it('j and k step to the next and previous turn, seeking the audio there', async (test) => {
    const w = await open(test);
    if (!w) return;
    await w.page.keyboard.press('j');
    await w.page.keyboard.press('j');
    await w.page.keyboard.press('j');
    await w.page.keyboard.press('k');
    assert.deepEqual(await w.page.$$eval('.turn.sel', (els) => els.map((el) => el.id)), ['turn-1']);
    const time = await w.page.evaluate(() => (document.getElementById('audio') as HTMLAudioElement).currentTime);
    assert.ok(Math.abs(time - turns[1]!.start) <= 0.1, `audio at ${time}`);
    await w.page.close();
    assertClean(w);
  });

  it('#t= in the address scrolls to the turn of that second and puts the audio there; a turn’s time is that link', async (test) => {
    // Two turns start in second 65 (Hugo's "Attendez." then Camille's): the link of the first leads to the first.
    const i = turns.findIndex((turn) => Math.floor(turn.start) === 65);
    assert.ok(turns[i + 1]!.start < 66, 'the fixture has two turns in that second');
    const w = await open(test, '#t=0:01:05');
    if (!w) return;
    assert.equal(await w.page.getAttribute(`#turn-${i} a.time`, 'href'), '#t=0:01:05');
    assert.deepEqual(await w.page.$$eval('.turn.sel', (els) => els.map((el) => el.id)), [`turn-${i}`]);
    const box = await w.page.evaluate((id) => {
      const r = document.getElementById(id)!.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, height: window.innerHeight, scrolled: window.scrollY };
    }, `turn-${i}`);
    assert.ok(box.scrolled > 0 && box.top >= 0 && box.bottom <= box.height, `turn in view: ${JSON.stringify(box)}`);
    await w.page.waitForFunction(() => Math.abs((document.getElementById('audio') as HTMLAudioElement).currentTime - 65) < 0.1);
    // Another link in the page (a hash change, no reload) goes there too.
    const later = turns.findIndex((x) => Math.floor(x.start) === 100);
    await w.page.evaluate(() => (location.hash = '#t=0:01:40'));
    await w.page.waitForFunction((id) => document.querySelector('.turn.sel')?.id === id, `turn-${later}`);
    await w.page.close();
    assertClean(w);
  });

  it('a click on the timeline jumps to that moment', async (test) => {
    const w = await open(test);
    if (!w) return;
    const box = (await w.page.locator('#timeline').boundingBox())!;
    await w.page.mouse.click(box.x + box.width * (92 / t.duration), box.y + box.height / 2);
    const expected = turns.filter((turn) => turn.start <= 92).length - 1;
    assert.deepEqual(await w.page.$$eval('.turn.sel', (els) => els.map((el) => el.id)), [`turn-${expected}`]);
    const time = await w.page.evaluate(() => (document.getElementById('audio') as HTMLAudioElement).currentTime);
    assert.ok(Math.abs(time - 92) < 1, `audio at ${time}`);
    await w.page.close();
    assertClean(w);
  });

  it('shows text as text: markup typed by a player neither runs nor renders', async (test) => {
    const w = await open(test);
    if (!w) return;
    const i = turns.findIndex((turn) => turn.text.includes('pwned'));
    assert.equal(await w.page.textContent(`#turn-${i} p`), SCRIPT_TEXT);
    assert.equal(await w.page.evaluate(() => (window as unknown as { pwned?: boolean }).pwned), undefined);
    assert.equal(await w.page.locator('#turns b:text("gras")').count(), 0);
    assert.equal(await w.page.title(), 'Séance 12 <Port-Sombre> — Transcription');
    assert.match((await w.page.textContent('.note'))!, /Pause <pizza>/);
    await w.page.close();
    assertClean(w);
  });

  it('shows each glossary correction with what was heard when hovered, highlights glossary names and marks doubtful lines', async (test) => {
    const w = await open(test);
    if (!w) return;
    const fixes = w.page.locator('.fix');
    assert.deepEqual(await fixes.allTextContents(), ['Eldrin', 'Val-de-Brume']);
    const tooltip = () => fixes.first().evaluate((el) => getComputedStyle(el, '::after').content);
    assert.equal(await tooltip(), 'none');
    await fixes.first().hover();
    assert.equal(await tooltip(), '"Entendu « Elle drain » (son proche d’un nom du glossaire)"');
    // The correction is on Camille's "Eldrin" at 9 s, not on Hugo's a few seconds before.
    const corrected = turns.findIndex((turn) => turn.start === 8.4);
    assert.equal(await w.page.locator(`#turn-${corrected} .fix`).count(), 1);
    assert.ok((await w.page.locator('.gl').count()) >= 6, 'every glossary name in the text is highlighted');
    const doubtful = await w.page.$$eval('.seg.doubt', (els) => els.map((el) => el.textContent));
    assert.deepEqual(doubtful, ['Euh… on fait quoi maintenant ?']);
    await w.page.close();
    assertClean(w);
  });

  it('prints every turn and no control, even with a filter on', async (test) => {
    const w = await open(test);
    if (!w) return;
    await w.page.selectOption('#who', { label: 'Hugo' });
    await w.page.emulateMedia({ media: 'print' });
    assert.equal(await w.page.locator('#bar').isVisible(), false);
    assert.equal((await visibleTurns(w.page)).length, turns.length);
    assert.equal(await w.page.locator('.note:visible').count(), t.markers!.length);
    await w.page.close();
    assertClean(w);
  });

  it('without audio.opus beside it, the page says how to get it and still reads and searches', async (test) => {
    if (!requires(test, browser, 'chromium (the Debian package, at /usr/bin/chromium)')) return;
    const w = await watchedPage(browser!);
    await w.page.goto(pathToFileURL(join(bare, 'transcript.html')).href);
    await w.page.waitForSelector('#noaudio:visible');
    assert.match((await w.page.textContent('#noaudio'))!, /téléchargez audio\.opus avec le lien de l’e-mail/);
    assert.equal(await w.page.locator('#audio').isVisible(), false);
    await w.page.fill('#q', 'brume');
    await w.page.waitForFunction(() => document.getElementById('count')!.textContent !== '');
    assert.ok((await visibleTurns(w.page)).length > 0);
    await w.page.click('#turn-0 .who');
    await w.page.close();
    // The one complaint is the browser's own, about the missing file.
    assert.ok(w.problems.every((p) => /ERR_FILE_NOT_FOUND|Failed to load resource/.test(p)), w.problems.join('\n'));
  });
});

