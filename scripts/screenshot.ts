/**
 * `make screenshot`: docs/transcript.png, the README's picture of transcript.html, taken in chromium the way the page
 * tests open it (test/support/browser.ts). The session is the demo's (scripts/demo.ts makes the same one): its
 * recordings decoded and encoded to audio.opus by the job's own code, its lines the words the demo's script has each
 * voice say, at the times they say them (the demo's random-weight model would write noise), named as its voice
 * samples name them, with the context's glossary, and one correction as the glossary stage reports one.
 *
 * Usage: npx tsx scripts/screenshot.ts [OUT_PNG]   (default docs/transcript.png; needs chromium, ffmpeg, espeak-ng)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { glossaryEntries, parseSessionContext } from '../lib/contracts/context.js';
import { FileStore } from '../lib/storage/index.js';
import { encodeListening, ffmpegTools } from '../job/engines/ffmpeg.js';
import { decodeSession } from '../job/stages/decode.js';
import { fetchSession } from '../job/stages/fetch.js';
import type { Segment, Transcript } from '../job/transcript.js';
import { renderHtml } from '../job/writers/html.js';
import { chromiumPath, openBrowser, watchedPage } from '../test/support/browser.js';
import { DEMO_CONTEXT, writeDemoSession } from '../test/support/demo-session.js';

const target = resolve(process.argv[2] ?? 'docs/transcript.png');
const work = resolve('.cache/screenshot');
const out = join(work, 'out');
const browserPath = chromiumPath();
if (!browserPath) {
  process.stderr.write('screenshot: chromium is missing: install the Debian package (apt-get install chromium) or set CHROMIUM_PATH\n');
  process.exit(1);
}

const demo = await writeDemoSession(join(work, 'session-12'));
const tools = ffmpegTools();
const fetched = await fetchSession(new FileStore(demo.dir), join(work, 'fetch'), tools);
const decoded = await decodeSession(fetched.files, join(work, 'session.pcm'), tools);
await mkdir(out, { recursive: true });
await encodeListening(tools, [join(work, 'session.pcm')], join(out, 'audio.opus'));

// Sam has no voice sample (the demo's context names a missing file): the pipeline leaves him as his cluster's label.
const named = (speaker: string) => (speaker === 'Sam' ? 'SPK4' : speaker);
const segments: Segment[] = demo.truth.map((u) => ({ start: u.start, end: u.end, text: u.text, speaker: named(u.speaker!), lang: u.speaker === 'Hugo' ? 'en' : 'fr', avgLogprob: -0.25 }));
// One doubtful line, as the report would list it.
segments[5]!.avgLogprob = -1.3;
const talk = new Map<string, number>();
for (const s of segments) talk.set(s.speaker!, (talk.get(s.speaker!) ?? 0) + s.end - s.start);
const valDeBrume = segments.find((s) => s.text.includes('Val-de-Brume'))!;
const transcript: Transcript = {
  session: 'session-12',
  duration: demo.duration,
  language: 'fr',
  segments,
  speakers: [...talk.entries()].map(([name, seconds], i) => ({ name, cluster: `SPK${i + 1}`, talkSeconds: seconds, turns: segments.filter((s) => s.speaker === name).length, source: name === 'SPK4' ? 'unmatched' : 'voice-sample' })),
  turns: segments.map((s) => ({ start: s.start, end: s.end, speaker: s.speaker! })),
  sources: decoded.sources,
  model: { asr: 'whisper.cpp 1.9.1 (ggml-large-v3-turbo-q8_0.bin)', vad: 'Silero VAD v5 (onnxruntime-node)', embedder: 'CAM++ (onnxruntime-node)' },
  corrections: [{ start: valDeBrume.start, end: valDeBrume.end, speaker: valDeBrume.speaker!, before: 'Val de Brume', after: 'Val-de-Brume', reason: 'alias' }],
};
const glossary = glossaryEntries(parseSessionContext(DEMO_CONTEXT).context).map((e) => e.name);
await writeFile(join(out, 'transcript.html'), renderHtml(transcript, { lang: 'fr', glossary, createdAt: new Date('2026-12-01T20:30:00Z') }));

const browser = await openBrowser(browserPath, { width: 1100, height: 1000 });
try {
  const { page, problems } = await watchedPage(browser);
  await page.goto(pathToFileURL(join(out, 'transcript.html')).href);
  await page.waitForFunction(() => (document.getElementById('audio') as HTMLAudioElement).readyState >= 1);
  // A line being played (highlighted, the cursor on the timeline), paused a second in; a correction hovered.
  const start = Number(await page.getAttribute('#turn-7', 'data-start'));
  await page.click('#turn-7 .who');
  await page.waitForFunction((t) => (document.getElementById('audio') as HTMLAudioElement).currentTime > t + 1, start);
  await page.evaluate(() => (document.getElementById('audio') as HTMLAudioElement).pause());
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.hover('.fix');
  await page.screenshot({ path: target, fullPage: true });
  if (problems.length > 0) throw new Error(`the page complained: ${problems.join('; ')}`);
  const others = browser.requests.filter((u) => !u.startsWith('file://'));
  if (others.length > 0) throw new Error(`the page asked for ${others.join(', ')}`);
} finally {
  await browser.close();
}
process.stderr.write(`screenshot: ${target}\n`);
