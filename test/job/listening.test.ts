/**
 * audio.opus, the sound transcript.html plays: made by the planner from the decoded session (same timeline as the
 * transcript), carried through the work area to the finishing task, written beside the page and left out of the zip
 * (the mailer decides whether it fits the attachment); not made when the page is not asked for; a failed encoding
 * costs the page its sound, never the run.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { memoryLogger } from '../../lib/log.js';
import { FileStore } from '../../lib/storage/index.js';
import { encodeListening, ffmpegTools } from '../../job/engines/ffmpeg.js';
import { SileroVad } from '../../job/engines/silero-vad.js';
import { silentProgress } from '../../job/progress.js';
import { runSession, type RunDeps } from '../../job/run.js';
import { ListeningSchema, PlanFileSchema } from '../../job/parallel/checkpoints.js';
import { runTask } from '../../job/parallel/task.js';
import { WorkArea, WORK_KEYS } from '../../job/parallel/work.js';
import { AbortedError } from '../../lib/errors.js';
import { dialogueWav, scratchDir } from '../support/fixtures.js';
import { ScriptedAsr } from '../support/scripted-asr.js';
import { testSettings } from '../support/run-settings.js';

const run = promisify(execFile);

let vad: SileroVad;
before(async () => {
  vad = await SileroVad.create();
});

async function probe(path: string): Promise<{ codec: string; channels: number; duration: number }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,channels:format=duration,format_name', '-of', 'json', path]);
  const info = JSON.parse(stdout) as { streams: Array<{ codec_name: string; channels: number }>; format: { duration: string } };
  return { codec: info.streams[0]!.codec_name, channels: info.streams[0]!.channels, duration: Number(info.format.duration) };
}

function deps(name: string, input: string, overrides: Partial<RunDeps> = {}): RunDeps {
  return {
    input: new FileStore(input),
    output: new FileStore(join(scratchDir(), `listen-${name}`, 'out')),
    asr: new ScriptedAsr(),
    vad,
    tools: ffmpegTools(),
    log: memoryLogger(),
    progress: silentProgress,
    workDir: join(scratchDir(), `listen-${name}`, 'work'),
    ...overrides,
  };
}

/** The dialogue in two parts, so that the audio must lay them end to end like the transcript does. */
async function twoParts(name: string): Promise<string> {
  const { wav } = await dialogueWav();
  const input = join(scratchDir(), `listen-${name}`, 'in');
  mkdirSync(input, { recursive: true });
  copyFileSync(wav, join(input, 'part-1.wav'));
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', wav, '-t', '5', '-c:a', 'flac', join(input, 'part-2.flac')]);
  return input;
}

test('with the page, the job writes audio.opus beside it: mono Opus as long as the session, outside the zip', async () => {
  const d = deps('page', await twoParts('page'));
  const outcome = await runSession(testSettings({ session: 'dialogue', formats: ['html', 'md'] }), d);
  const out = join(scratchDir(), 'listen-page', 'out');
  assert.ok(existsSync(join(out, 'transcript.html')));
  const audio = await probe(join(out, 'audio.opus'));
  assert.equal(audio.codec, 'opus');
  assert.equal(audio.channels, 1);
  assert.ok(Math.abs(audio.duration - outcome.transcript.duration) < 0.1, `audio ${audio.duration} s, transcript ${outcome.transcript.duration} s`);
  assert.ok(outcome.outputs.uris.some((u) => u.endsWith('/audio.opus')), 'uploaded with the outputs (the completion message lists it)');
  assert.equal(outcome.outputs.files.find((f) => f.name === 'audio.opus')?.contentType, 'audio/ogg');
  const zip = await JSZip.loadAsync(readFileSync(join(out, 'dialogue.zip')));
  const names = Object.keys(zip.files);
  assert.ok(names.includes('dialogue/transcript.html'), names.join(', '));
  assert.ok(!names.some((n) => n.endsWith('audio.opus')), 'the mailer adds the audio to the zip it attaches, when it fits');
  assert.equal(existsSync(join(out, 'work')), false, 'the work area (and its copy of the audio) is gone');
});

test('without the page there is no audio.opus', async () => {
  const d = deps('nopage', await twoParts('nopage'));
  await runSession(testSettings({ formats: ['md'] }), d);
  assert.equal(existsSync(join(scratchDir(), 'listen-nopage', 'out', 'audio.opus')), false);
});

test('an encoder that fails costs the page its sound, with a warning, never the transcript', async () => {
  // An ffmpeg that decodes (the real one) but cannot encode: the wrapper refuses the Opus output.
  const fake = join(scratchDir(), 'ffmpeg-no-opus');
  writeFileSync(fake, `#!/bin/sh\nfor a in "$@"; do [ "$a" = libopus ] && { echo "Unknown encoder 'libopus'" >&2; exit 1; }; done\nexec ffmpeg "$@"\n`, { mode: 0o755 });
  const d = deps('broken', await twoParts('broken'), { tools: { ffmpeg: fake, ffprobe: 'ffprobe' } });
  const outcome = await runSession(testSettings({ formats: ['html'] }), d);
  const out = join(scratchDir(), 'listen-broken', 'out');
  assert.ok(existsSync(join(out, 'transcript.html')));
  assert.equal(existsSync(join(out, 'audio.opus')), false);
  assert.ok(outcome.warnings.some((w) => /audio\.opus could not be made \(.*Unknown encoder 'libopus'.*\)/.test(w)), outcome.warnings.join('\n'));
});

test('tracks are mixed into one listening copy as long as the longest, each heard where only it speaks', async () => {
  const dir = join(scratchDir(), 'listen-mix');
  mkdirSync(dir, { recursive: true });
  // Track A: 2 s of tone then silence to 4 s; track B: silence, then 2 s of tone from 4 s to 6 s.
  const tone = (from: number, to: number, length: number) => {
    const pcm = new Int16Array(length * 16000);
    for (let i = from * 16000; i < to * 16000; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16000));
    return Buffer.from(pcm.buffer);
  };
  writeFileSync(join(dir, 'a.pcm'), tone(0, 2, 4));
  writeFileSync(join(dir, 'b.pcm'), tone(4, 6, 6));
  const out = join(dir, 'mix.opus');
  await encodeListening(ffmpegTools(), [join(dir, 'a.pcm'), join(dir, 'b.pcm')], out);
  assert.ok(Math.abs((await probe(out)).duration - 6) < 0.05);
  const level = async (from: number) => {
    const { stderr } = await run('ffmpeg', ['-nostdin', '-v', 'info', '-ss', String(from), '-t', '1', '-i', out, '-af', 'volumedetect', '-f', 'null', '-']);
    return Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)![1]);
  };
  assert.ok((await level(0.5)) > -30, 'track A heard');
  assert.ok((await level(4.5)) > -30, 'track B heard');
  assert.ok((await level(2.5)) < -60, 'silence where neither speaks');
});

/** An ffmpeg whose Opus encoding waits for `marker` to exist (or never starts, without one); decoding is the real one. */
function gatedFfmpeg(name: string, marker?: string): string {
  const path = join(scratchDir(), `ffmpeg-gated-${name}`);
  const gate = marker ? `while [ ! -e '${marker}' ]; do sleep 0.1; done` : 'exec sleep 3600';
  writeFileSync(path, `#!/bin/sh\nfor a in "$@"; do [ "$a" = libopus ] && { ${gate}; break; }; done\nexec ffmpeg "$@"\n`, { mode: 0o755 });
  return path;
}

async function until(probe: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    assert.ok(Date.now() < end, `${what} never happened`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const identity = (index: number, attempt = 0) => ({ index, count: 2, attempt, lastAttempt: false });

test('a finishing task that is not the planner waits for the audio the planner is still encoding', async () => {
  const input = await twoParts('wait');
  const out = join(scratchDir(), 'listen-wait', 'out');
  const output = new FileStore(out);
  const work = WorkArea.of(output);
  const marker = join(scratchDir(), 'listen-wait', 'encode-now');
  const settings = testSettings({ session: 'dialogue', formats: ['html'], tasks: 2 });
  // The planner transcribes every chunk, then waits for its encoder, which waits for the marker.
  const planner = runTask(settings, { ...deps('wait', input, { tools: { ffmpeg: gatedFfmpeg('wait', marker), ffprobe: 'ffprobe' } }), workDir: join(scratchDir(), 'listen-wait', 'w0') }, work, { task: identity(0) });
  await until(async () => {
    const plan = await work.readJson(WORK_KEYS.plan, PlanFileSchema);
    return plan?.state === 'ready' && (await work.keysUnder('results/')).size === plan.units.length;
  }, 'every chunk transcribed');
  // The other task finds every result written: it claims the finish, and waits for the audio.
  const finisher = runTask(settings, { ...deps('wait', input), workDir: join(scratchDir(), 'listen-wait', 'w1') }, work, { task: identity(1), waitMs: 30_000 });
  try {
    await until(() => work.exists(WORK_KEYS.finishClaim), 'the finish claimed');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(existsSync(join(out, 'transcript.html')), false, 'the finish waits for the audio');
  } finally {
    writeFileSync(marker, '');
  }
  const [a, b] = await Promise.all([planner, finisher]);
  assert.equal(a.role, 'helped');
  assert.equal(b.role, 'finished');
  assert.ok(existsSync(join(out, 'audio.opus')), 'the page has its sound');
  assert.deepEqual(await work.readJson(WORK_KEYS.listeningDoc, ListeningSchema), { version: 1, state: 'ready' });
});

test('a planner stopped while encoding is retried: it decodes the session again and makes the audio', async () => {
  const input = await twoParts('retry');
  const out = join(scratchDir(), 'listen-retry', 'out');
  const work = WorkArea.of(new FileStore(out));
  const settings = testSettings({ session: 'dialogue', formats: ['html'], tasks: 2 });
  const stop = new AbortController();
  const first = runTask(settings, { ...deps('retry', input, { tools: { ffmpeg: gatedFfmpeg('retry'), ffprobe: 'ffprobe' } }), workDir: join(scratchDir(), 'listen-retry', 'w0'), signal: stop.signal }, work, { task: identity(0) });
  await until(async () => {
    const plan = await work.readJson(WORK_KEYS.plan, PlanFileSchema);
    return plan?.state === 'ready' && (await work.keysUnder('results/')).size === plan.units.length;
  }, 'every chunk transcribed');
  stop.abort();
  await assert.rejects(first, (e: unknown) => e instanceof AbortedError);
  assert.equal(await work.exists(WORK_KEYS.listeningDoc), false);
  const again = await runTask(settings, { ...deps('retry', input), workDir: join(scratchDir(), 'listen-retry', 'w0b') }, work, { task: identity(0, 1), waitMs: 30_000 });
  assert.equal(again.role, 'finished');
  assert.ok(existsSync(join(out, 'audio.opus')));
});
