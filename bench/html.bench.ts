/**
 * transcript.html for a 4-hour session (BENCH_HOURS for another length): the page's size (raw and gzipped), the time
 * to render it, and, in chromium from file:// with its audio.opus beside it, the time to open it (navigation to the
 * load event, the page's script included) and to search it. Also the listening copy: how fast the job encodes the
 * session's decoded audio to Opus, and how big it is. Targets: page < 3 MB, opens in < 1 s.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { encodeListening, ffmpegTools } from '../job/engines/ffmpeg.js';
import { renderHtml } from '../job/writers/html.js';
import { chromiumPath, openBrowser, watchedPage } from '../test/support/browser.js';
import { dialogueWav } from '../test/support/fixtures.js';
import { LONG_GLOSSARY, longTranscript } from '../test/support/long-transcript.js';

const hours = Number(process.env.BENCH_HOURS ?? '4');
const root = resolve('.cache/bench', `html-${hours}h`);
mkdirSync(root, { recursive: true });

const t = longTranscript(hours);
const r0 = performance.now();
const html = renderHtml(t, { glossary: LONG_GLOSSARY, createdAt: new Date() });
const renderMs = performance.now() - r0;
writeFileSync(join(root, 'transcript.html'), html);
const bytes = Buffer.byteLength(html);
console.log(`transcript.html, ${hours} h (${t.segments.length} lines, ${t.corrections!.length} corrections, ${t.markers!.length} notes): ` +
  `${(bytes / 1024 / 1024).toFixed(2)} MB (${(gzipSync(html).length / 1024).toFixed(0)} KB gzipped; target < 3 MB), rendered in ${renderMs.toFixed(0)} ms`);

// The listening copy, from the session's decoded audio (the test dialogue looped), as the planner makes it.
const pcm = join(root, 'session.pcm');
const opus = join(root, 'audio.opus');
if (!existsSync(pcm)) {
  const { wav } = await dialogueWav();
  await new Promise<void>((ok, fail) => {
    const p = spawn('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-stream_loop', '-1', '-i', wav, '-t', String(hours * 3600), '-f', 's16le', '-ar', '16000', '-ac', '1', pcm], { stdio: 'inherit' });
    p.on('close', (code) => (code === 0 ? ok() : fail(new Error(`ffmpeg exit ${code}`))));
  });
}
const e0 = performance.now();
await encodeListening(ffmpegTools(), [pcm], opus);
const encodeSeconds = (performance.now() - e0) / 1000;
console.log(`audio.opus, ${hours} h: ${(statSync(opus).size / 1024 / 1024).toFixed(1)} MB, encoded in ${encodeSeconds.toFixed(1)} s (${((hours * 3600) / encodeSeconds).toFixed(0)}× real time, one ffmpeg process)`);

const browserPath = chromiumPath();
if (!browserPath) {
  console.log('chromium is missing: no load time (apt-get install chromium)');
  process.exit(0);
}
const browser = await openBrowser(browserPath);
try {
  const loads: number[] = [];
  const searches: number[] = [];
  const commons: number[] = [];
  for (let i = 0; i < 5; i++) {
    const { page, problems } = await watchedPage(browser);
    await page.goto(pathToFileURL(join(root, 'transcript.html')).href, { waitUntil: 'load' });
    loads.push(await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd));
    const search = (query: string) =>
      page.evaluate((q) => {
        const input = document.getElementById('q') as HTMLInputElement;
        const t0 = performance.now();
        input.value = q;
        input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
        return performance.now() - t0;
      }, query);
    searches.push(await search('eldrin'));
    commons.push(await search('la'));
    if (problems.length > 0) console.log(`page problems: ${problems.join('; ')}`);
    await page.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const count = (await (async () => {
    const { page } = await watchedPage(browser);
    await page.goto(pathToFileURL(join(root, 'transcript.html')).href);
    await page.fill('#q', 'la');
    await page.waitForFunction(() => document.getElementById('count')!.textContent !== '');
    const text = await page.textContent('#count');
    await page.close();
    return text;
  })())!;
  console.log(
    `opening it in chromium (file://, median of 5): ${median(loads).toFixed(0)} ms to the load event (target < 1 s); ` +
      `first search for a name ${median(searches).toFixed(0)} ms, for "la" ${median(commons).toFixed(0)} ms (${count})`,
  );
  const others = browser.requests.filter((u) => !u.startsWith('file://'));
  if (others.length > 0) console.log(`requests outside file://: ${others.join(', ')}`);
} finally {
  await browser.close();
}
