/**
 * Speech-only ASR audio and the local checkpoints, through runSession with the real Silero VAD and ffmpeg: what
 * the engine is handed (the speech and a little padding, not the span), where its segments and words land on the
 * session's timeline (within 20 ms of the known speech), `--jobs` (whisper processes at once, threads split) and
 * `--resume` (an interrupted run goes on from its checkpoints and transcribes only what was missing).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { AbortedError } from '../../lib/errors.js';
import { memoryLogger } from '../../lib/log.js';
import { FileStore } from '../../lib/storage/index.js';
import type { AsrEngine, AsrOptions, AsrResult } from '../../job/engines/asr.js';
import { ffmpegTools } from '../../job/engines/ffmpeg.js';
import { SileroVad } from '../../job/engines/silero-vad.js';
import { silentProgress } from '../../job/progress.js';
import { runSession, type RunDeps } from '../../job/run.js';
import { CONDENSE_GAP_SECONDS } from '../../job/audio/condense.js';
import { speakPcm, TEST_VOICES, trimSilence, wavBytes } from '../support/espeak.js';
import { scratchDir } from '../support/fixtures.js';
import { testSettings } from '../support/run-settings.js';

/** Louder than this is speech, for the truth and for the double alike. */
const LOUD = 2000;

/**
 * An ASR double with sample-exact timing: one segment per run of loud samples in the WAV it is given (quiet gaps
 * under 0.25 s bridged), with three words splitting it evenly. It records every call (seconds handed over, threads)
 * and how many calls run at once; `stopAfter` aborts the run once that many calls have finished.
 */
class LoudRunsAsr implements AsrEngine {
  readonly description = 'loud-runs test ASR (no recognition)';
  readonly calls: Array<{ seconds: number; threads: number; wav: string }> = [];
  running = 0;
  mostAtOnce = 0;
  constructor(private readonly options: { stopAfter?: { calls: number; controller: AbortController }; delayMs?: number } = {}) {}

  async transcribe(wavPath: string, options: AsrOptions): Promise<AsrResult> {
    this.running++;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    try {
      const samples = pcmOfWav(await readFile(wavPath));
      this.calls.push({ seconds: samples.length / 16000, threads: options.threads, wav: wavPath.split('/').pop()! });
      if (this.options.delayMs) await new Promise((r) => setTimeout(r, this.options.delayMs));
      const segments = loudRuns(samples, 0.25).map(([a, b], i) => {
        const words = [0, 1, 2].map((k) => ({ start: a + ((b - a) * k) / 3, end: a + ((b - a) * (k + 1)) / 3, text: ` w${i}${k}`, probability: 0.9 }));
        return { start: a, end: b, text: words.map((w) => w.text).join('').trim(), tokens: words };
      });
      const stop = this.options.stopAfter;
      if (stop && this.calls.length >= stop.calls) stop.controller.abort();
      return { language: 'fr', segments };
    } finally {
      this.running--;
    }
  }
}

function pcmOfWav(wav: Buffer): Int16Array {
  const data = wav.subarray(44);
  const out = new Int16Array(data.length >> 1);
  Buffer.from(out.buffer).set(data.subarray(0, out.length * 2));
  return out;
}

/** [start, end] seconds of the runs of samples louder than LOUD, gaps shorter than `bridge` seconds joined. */
function loudRuns(samples: Int16Array, bridge: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let first = -1;
  let last = -1;
  for (let i = 0; i < samples.length; i++) {
    if (Math.abs(samples[i]!) <= LOUD) continue;
    if (first >= 0 && i - last > bridge * 16000) {
      out.push([first / 16000, (last + 1) / 16000]);
      first = -1;
    }
    if (first < 0) first = i;
    last = i;
  }
  if (first >= 0) out.push([first / 16000, (last + 1) / 16000]);
  return out;
}

let input: string;
let truth: Array<[number, number]>;
let span: number;
let vad: SileroVad;

before(async () => {
  vad = await SileroVad.create();
  // Six utterances, each followed by 6 to 16 s of silence: about 20 s of speech in two minutes.
  const lines = ['Le dragon se réveille et vous regarde.', 'I roll for initiative.', 'La porte est fermée à clé.', 'We should rest before the fight.', 'Un jet de perception, s’il te plaît.', 'The tavern is full tonight.'];
  const parts: Int16Array[] = [new Int16Array(16000 * 3)];
  for (const [i, line] of lines.entries()) {
    parts.push(trimSilence(await speakPcm(line, TEST_VOICES[i % TEST_VOICES.length]!)), new Int16Array(16000 * (6 + ((i * 5) % 11))));
  }
  const pcm = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    pcm.set(p, at);
    at += p.length;
  }
  span = pcm.length / 16000;
  truth = loudRuns(pcm, 0.25);
  input = join(scratchDir(), 'speech-only', 'in');
  mkdirSync(input, { recursive: true });
  writeFileSync(join(input, 'session.wav'), wavBytes(pcm));
});

function deps(name: string, asr: AsrEngine, extra: Partial<RunDeps> = {}): RunDeps & { log: ReturnType<typeof memoryLogger> } {
  return {
    input: new FileStore(input),
    output: new FileStore(join(scratchDir(), 'speech-only', name, 'out')),
    asr,
    vad,
    tools: ffmpegTools(),
    log: memoryLogger(),
    progress: silentProgress,
    workDir: join(scratchDir(), 'speech-only', name, 'work'),
    ...extra,
  } as RunDeps & { log: ReturnType<typeof memoryLogger> };
}

describe('speech-only ASR audio', () => {
  it('hands the engine the speech and its padding, not the span, and puts every segment and word back within 20 ms', async () => {
    const asr = new LoudRunsAsr();
    const outcome = await runSession(testSettings({ session: 'speech-only' }), deps('map', asr));
    const handed = asr.calls.reduce((n, c) => n + c.seconds, 0);
    const speech = truth.reduce((n, [a, b]) => n + (b - a), 0);
    // The VAD pads each region by 250 ms on both sides; 0.3 s of silence goes between regions.
    const regions = outcome.transcript.segments.length;
    assert.ok(handed >= speech, `handed ${handed.toFixed(2)} s for ${speech.toFixed(2)} s of speech`);
    assert.ok(handed <= speech + regions * (2 * 0.35 + CONDENSE_GAP_SECONDS) + 1, `handed ${handed.toFixed(2)} s: the speech and its padding only (span ${span.toFixed(0)} s)`);
    assert.ok(handed < span / 3, `handed ${handed.toFixed(1)} s of a ${span.toFixed(0)} s session`);

    const segments = outcome.transcript.segments;
    assert.equal(segments.length, truth.length, `one line per utterance: ${JSON.stringify(segments.map((s) => [s.start, s.end]))} vs ${JSON.stringify(truth)}`);
    segments.forEach((s, i) => {
      const [a, b] = truth[i]!;
      assert.ok(Math.abs(s.start - a) <= 0.02 && Math.abs(s.end - b) <= 0.02, `line ${i} at ${s.start}–${s.end}, speech at ${a.toFixed(3)}–${b.toFixed(3)}`);
      const words = s.words!;
      assert.equal(words.length, 3);
      words.forEach((w, k) => {
        const ws = a + ((b - a) * k) / 3;
        const we = a + ((b - a) * (k + 1)) / 3;
        assert.ok(Math.abs(w.start - ws) <= 0.02 && Math.abs(w.end - we) <= 0.02, `line ${i} word ${k} at ${w.start}–${w.end}, expected ${ws.toFixed(3)}–${we.toFixed(3)}`);
      });
    });
  });

  it('--jobs 2: two engine calls at once, each with half the threads; the same transcript as one at a time', async () => {
    const settings = testSettings({ session: 'speech-only', threads: 4, chunk: { maxSeconds: 8, overlapSeconds: 1 } });
    const one = new LoudRunsAsr({ delayMs: 50 });
    const alone = await runSession(settings, deps('jobs-1', one));
    const two = new LoudRunsAsr({ delayMs: 300 });
    const paired = await runSession({ ...settings, tasks: 2 }, { ...deps('jobs-2', two), jobs: 2 });
    assert.ok(two.calls.length >= 2, `${two.calls.length} chunks`);
    assert.equal(two.mostAtOnce, 2, 'two whisper processes at once');
    assert.ok(two.calls.every((c) => c.threads === 2), `threads split: ${two.calls.map((c) => c.threads)}`);
    assert.equal(one.mostAtOnce, 1);
    assert.ok(one.calls.every((c) => c.threads === 4));
    assert.deepEqual(
      paired.transcript.segments.map((s) => [s.start, s.end]),
      alone.transcript.segments.map((s) => [s.start, s.end]),
    );
  });

  it('--resume: a run stopped after two chunks goes on from its checkpoints and transcribes only the rest', async () => {
    const settings = testSettings({ session: 'speech-only', chunk: { maxSeconds: 8, overlapSeconds: 1 } });
    const controller = new AbortController();
    const first = new LoudRunsAsr({ stopAfter: { calls: 2, controller } });
    const d = deps('resume', first, { signal: controller.signal });
    await assert.rejects(runSession(settings, d), (e: unknown) => e instanceof AbortedError || (e as { cause?: unknown }).cause instanceof AbortedError);
    const work = join(scratchDir(), 'speech-only', 'resume', 'out', 'work');
    assert.ok(existsSync(join(work, 'plan.json')), 'the plan is kept');
    const kept = readdirSync(join(work, 'results'));
    assert.equal(kept.length, 2, `two results kept: ${kept}`);

    const second = new LoudRunsAsr();
    const resumed = await runSession(settings, { ...deps('resume', second), checkpoints: 'resume' });
    const plan = first.calls.length + second.calls.length;
    assert.equal(second.calls.length, plan - 2, 'only the chunks without a result');
    assert.ok(!second.calls.some((c) => first.calls.some((f) => f.wav === c.wav)), 'no chunk transcribed twice');
    assert.equal(existsSync(work), false, 'the checkpoints are removed once the outputs are written');

    const fresh = new LoudRunsAsr();
    const whole = await runSession(settings, deps('resume-fresh', fresh));
    assert.equal(fresh.calls.length, plan);
    assert.deepEqual(resumed.transcript.segments.map((s) => [s.start, s.end, s.text]), whole.transcript.segments.map((s) => [s.start, s.end, s.text]));
  });

  it('without --resume, an interrupted run\'s checkpoints are cleared and the run starts over', async () => {
    const settings = testSettings({ session: 'speech-only', chunk: { maxSeconds: 8, overlapSeconds: 1 } });
    const controller = new AbortController();
    await assert.rejects(runSession(settings, deps('restart', new LoudRunsAsr({ stopAfter: { calls: 1, controller } }), { signal: controller.signal })));
    const again = new LoudRunsAsr();
    const d = deps('restart', again);
    await runSession(settings, d);
    assert.ok(again.calls.length >= 2, 'every chunk transcribed again');
    assert.ok(d.log.lines.some((l) => /starting over \(--resume continues it instead\)/.test(l.message)));
  });
});
