/**
 * The transcript-quality work through a whole run: a chunk that loops is transcribed again, what the filter removes
 * and what the glossary corrects reach report.md, report.json and transcript.json, and the prompt's left-out names
 * reach the report.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { memoryLogger } from '../../lib/log.js';
import { FileStore } from '../../lib/storage/index.js';
import type { AsrEngine, AsrOptions, AsrResult, AsrSegment } from '../../job/engines/asr.js';
import { ffmpegTools } from '../../job/engines/ffmpeg.js';
import { SileroVad } from '../../job/engines/silero-vad.js';
import { silentProgress } from '../../job/progress.js';
import { runSession, type RunDeps, type RunSettings } from '../../job/run.js';
import { dialogueWav, scratchDir } from '../support/fixtures.js';
import { wavSeconds } from '../support/scripted-asr.js';
import { testSettings } from '../support/run-settings.js';
import { TINY_DIMS, writeGgmlModel } from '../support/ggml-model.js';
import { readWhisperVocab } from '../../job/engines/whisper-vocab.js';

const loop = "Je vais voir ce qu'il y a derrière la porte.";
const line = (start: number, end: number, text: string): AsrSegment => ({
  start,
  end,
  text,
  tokens: text.split(' ').map((w, i, all) => ({ start: start + ((end - start) * i) / all.length, end: start + ((end - start) * (i + 1)) / all.length, text: ` ${w}`, probability: 0.9 })),
  avgLogprob: -0.2,
});

/** Whisper's budget, counted with a real ggml vocabulary (the tiny random model's), as the whisper engine counts. */
function vocabBudget() {
  const v = readWhisperVocab(vocabModel);
  return { tokens: 224 - 1 - 64, count: (t: string) => v.countTokens(t) };
}

/** Loops on its first call over a chunk (its lines spread over the chunk), then answers a fresh call as `second` says. */
class LoopingAsr implements AsrEngine {
  readonly description = 'looping test ASR';
  readonly calls: AsrOptions[] = [];
  constructor(private readonly second: 'clean' | 'loops') {}
  promptBudget = vocabBudget;
  async transcribe(wav: string, options: AsrOptions): Promise<AsrResult> {
    const seconds = wavSeconds(await readFile(wav));
    this.calls.push(options);
    const at = (k: number) => (seconds * k) / 8;
    if (options.fresh) {
      const third = seconds / 3;
      if (this.second === 'loops') return { language: 'fr', segments: [0, 1, 2].map((k) => line(k * third, (k + 1) * third, loop)) };
      return { language: 'fr', segments: [line(third, 2 * third, 'Elle est fermée à clé.')] };
    }
    return { language: 'fr', segments: [line(at(0), at(1), 'Hectaron et Iness entrent dans la salle.'), ...[1, 2, 3, 4, 5].map((k) => line(at(k), at(k + 1), loop)), line(at(6), at(7.5), 'Bon, Sylvaël, on y va.')] };
  }
}

let vad: SileroVad;
let vocabModel: string;
before(async () => {
  vad = await SileroVad.create();
  vocabModel = join(scratchDir(), 'ggml-tiny-vocab.bin');
  await writeGgmlModel(vocabModel, TINY_DIMS, { seed: 1 });
});

async function run<A extends AsrEngine>(name: string, asr: A, chunk?: RunSettings['chunk'], checkpoints?: 'resume') {
  const { wav } = await dialogueWav();
  const root = join(scratchDir(), `quality-${name}`);
  const input = join(root, 'in');
  mkdirSync(join(input, 'context'), { recursive: true });
  copyFileSync(wav, join(input, 'dialogue.wav'));
  // 300 places: far more than Whisper's prompt holds.
  const places = Array.from({ length: 300 }, (_, i) => `Lieu${i}`).join(', ');
  writeFileSync(join(input, 'context', 'context.yaml'), `speakers: [{id: ines, name: Inès, character: Sylvaëlle}]\nglossary:\n  characters: [Ektaron]\n  places: [${places}]\n`);
  const output = join(root, 'out');
  const deps: RunDeps = {
    input: new FileStore(input),
    output: new FileStore(output),
    asr,
    vad,
    tools: ffmpegTools(),
    log: memoryLogger(),
    progress: silentProgress,
    workDir: join(root, 'work'),
    context: { store: new FileStore(join(input, 'context')), key: 'context.yaml', explicit: true },
    ...(checkpoints ? { checkpoints } : {}),
  } as RunDeps;
  const outcome = await runSession(testSettings({ formats: ['json', 'md'], ...(chunk ? { chunk } : {}) }), deps);
  const json = JSON.parse(readFileSync(join(output, 'transcript.json'), 'utf8'));
  const report = JSON.parse(readFileSync(join(output, 'report.json'), 'utf8'));
  const md = readFileSync(join(output, 'report.md'), 'utf8');
  return { outcome, asr, json, report, md };
}

test('a looping chunk: transcribed once more, the second kept; the glossary correction listed with its time', async () => {
  const { outcome, asr, json, report, md } = await run('clean', new LoopingAsr('clean'));
  assert.equal(asr.calls.length, 2);
  assert.ok(asr.calls[0]!.prompt && !asr.calls[1]!.prompt && asr.calls[1]!.fresh);
  const texts = outcome.transcript.segments.map((s) => s.text);
  assert.deepEqual(texts.filter((t) => t === loop), [], 'the loop is gone');
  // (Lines are cut where the speech-only audio joins two pieces of speech: the pipeline's own doing.)
  assert.match(texts.join(' '), /Elle est fermée à clé\./, texts.join(' | '));
  assert.equal(report.loopRetries.length, 1);
  assert.equal(report.loopRetries[0].kept, 'second');
  assert.match(md, /### Loops transcribed again \(1\)\n\n.*\n\n- \d:\d\d:\d\d–\d:\d\d:\d\d: the second transcription was kept/);
  // The glossary: Hectaron → Ektaron, in every output.
  assert.match(texts.join(' '), /^Ektaron et Inès entrent/, 'a player\'s name counts as a glossary name');
  assert.equal(json.corrections.length, 2);
  assert.deepEqual([json.corrections[0].before, json.corrections[0].after, json.corrections[0].reason], ['Hectaron', 'Ektaron', 'sounds-like']);
  assert.equal(json.corrections[0].start, json.segments[0].words[0].start, 'the correction has its word\'s time');
  assert.match(md, /\| \d:\d\d:\d\d–\d:\d\d:\d\d \| — \| Hectaron \| Ektaron \| sounds like it: sounds the same, 2 letters apart, no ordinary word \|/);
  // A near miss of the character Inès plays: left as heard, listed to check.
  assert.match(texts.join(' '), /Sylvaël,/);
  assert.deepEqual(json.to_check.map((n: { text: string; likely: string }) => [n.text, n.likely]), [['Sylvaël', 'Sylvaëlle']]);
  assert.equal(report.toCheck.count, 1);
  assert.match(md, /### Names to check \(1\)\n\n.*aliases.*\n\n\| When \| Speaker \| Heard \| Likely name \|\n\|---\|---\|---\|---\|\n\| \d:\d\d:\d\d–\d:\d\d:\d\d \| — \| Sylvaël \| Sylvaëlle \|/);
  // The prompt: 150 places do not fit; the report says which stayed out.
  assert.equal(report.prompt.budget, 159);
  assert.ok(report.prompt.tokens <= 159 && report.prompt.tokens > 150, `${report.prompt.tokens} tokens`);
  assert.equal(readWhisperVocab(vocabModel).countTokens(asr.calls[0]!.prompt!), report.prompt.tokens, 'what was sent is what the report says');
  assert.ok(report.prompt.leftOut.length > 250, `${report.prompt.leftOut.length} left out`);
  assert.ok(report.prompt.leftOut.some((n: { name: string }) => n.name === 'Lieu149'));
  assert.ok(!report.prompt.leftOut.some((n: { name: string }) => n.name === 'Inès' || n.name === 'Ektaron'), 'players and characters go first');
  const first = report.prompt.leftOut[0].name as string;
  assert.match(md, new RegExp(`### Whisper's prompt\n\n.*\n\nLeft out for lack of room .*: ${first}, .*, and ${report.prompt.leftOut.length - 50} more \\(report.json\\)`));
});

test('a chunk that loops again: the first result stays, the filter removes the repeats, and every removal is listed', async () => {
  const { outcome, asr, json, report, md } = await run('again', new LoopingAsr('loops'));
  assert.equal(asr.calls.length, 2, 'one second try, no more');
  assert.equal(report.loopRetries[0].kept, 'first');
  const texts = outcome.transcript.segments.map((s) => s.text);
  assert.deepEqual(texts.filter((t) => t === loop), [loop], 'the loop keeps its first occurrence');
  assert.equal(json.removed.length, 4);
  for (const r of json.removed) assert.deepEqual([r.text, r.reason], [loop, 'repeated-line']);
  assert.equal(report.removed.count, 4);
  assert.match(md, /### Lines removed \(4\)/);
  assert.match(md, /it looped again: the first was kept, and its repetitions removed/);
  assert.equal((md.match(/the line before it, again \(a loop\)/g) ?? []).length, 4);
});

/** Names a place the prompt has no room for, in every chunk; records the prompts it was given. */
class NamingAsr implements AsrEngine {
  readonly description = 'naming test ASR';
  readonly calls: AsrOptions[] = [];
  /** Fails (an interrupted run) from this call on. */
  constructor(private readonly failFrom = Infinity) {}
  promptBudget = vocabBudget;
  async transcribe(wav: string, options: AsrOptions): Promise<AsrResult> {
    const seconds = wavSeconds(await readFile(wav));
    this.calls.push(options);
    if (this.calls.length >= this.failFrom) throw new Error('interrupted');
    return { language: 'fr', segments: [line(0, seconds, 'On arrive enfin à Lieu299.')] };
  }
}

test("the next chunk's prompt holds the places the chunk before it named", async () => {
  const asr = new NamingAsr();
  await run('named', asr, { maxSeconds: 8, overlapSeconds: 1 });
  assert.ok(asr.calls.length >= 2, `${asr.calls.length} chunks`);
  assert.ok(!asr.calls[0]!.prompt!.includes('Lieu299'), 'no room for it at first');
  for (const call of asr.calls.slice(1)) assert.ok(call.prompt!.includes('Lieu299'), call.prompt);
});

test("a resumed run reads the chunk before from its checkpoint for the prompt", async () => {
  await assert.rejects(run('resumed', new NamingAsr(2), { maxSeconds: 8, overlapSeconds: 1 }), /interrupted/);
  const asr = new NamingAsr();
  await run('resumed', asr, { maxSeconds: 8, overlapSeconds: 1 }, 'resume');
  assert.ok(asr.calls.length >= 1);
  for (const call of asr.calls) assert.ok(call.prompt!.includes('Lieu299'), 'the first chunk, transcribed before the interruption, named it');
});
