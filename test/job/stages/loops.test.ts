import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createLogger } from '../../../lib/log.js';
import type { AsrEngine, AsrOptions, AsrResult, AsrSegment } from '../../../job/engines/asr.js';
import { WhisperCppEngine } from '../../../job/engines/whisper-cpp.js';
import { packageRoot, resolveWhisperBinary } from '../../../job/engines/whisper-model.js';
import { MAX_RETRIES, retryLoops } from '../../../job/stages/loops.js';
import { loopSpans } from '../../../job/stages/quality.js';
import { dialogueWav, scratchDir } from '../../support/fixtures.js';
import { TINY_DIMS, writeGgmlModel } from '../../support/ggml-model.js';
import { wavSeconds } from '../../support/scripted-asr.js';
import { readFile } from 'node:fs/promises';

const line = (start: number, end: number, text: string): AsrSegment => ({ start, end, text, tokens: [{ start, end, text: ` ${text}`, probability: 0.9 }], avgLogprob: -0.2 });
const loop = "Je vais voir ce qu'il y a derrière la porte.";

/** Answers a loop the first time, then for each fresh call what `second` says (times on the span it is given). */
class LoopingAsr implements AsrEngine {
  readonly description = 'looping test ASR';
  readonly calls: Array<{ options: AsrOptions; seconds: number }> = [];
  constructor(private readonly second: 'clean' | 'loops') {}
  async transcribe(wav: string, options: AsrOptions): Promise<AsrResult> {
    const seconds = wavSeconds(await readFile(wav));
    this.calls.push({ options, seconds });
    if (!options.fresh) return { language: 'fr', segments: [line(0, 1, 'On entre ?'), ...[1, 2, 3, 4, 5].map((k) => line(k, k + 1, loop)), line(6.5, 7.5, 'Bon.')] };
    if (this.second === 'clean') return { language: 'fr', segments: [line(0.5, 3, "Je vais voir ce qu'il y a derrière la porte."), line(3.2, 5.4, 'Elle est fermée à clé.')] };
    return { language: 'fr', segments: [0, 1, 2, 3].map((k) => line(k, k + 1, loop)) };
  }
}

test('a loop is transcribed once more, fresh; the second result is kept when it does not loop', async () => {
  const { wav } = await dialogueWav();
  const asr = new LoopingAsr('clean');
  const first = await asr.transcribe(wav, { language: 'fr', beamSize: 5, threads: 1, prompt: 'Joueurs : Camille.' });
  const { result, retries } = await retryLoops(wav, first, (span) => asr.transcribe(span, { language: 'fr', beamSize: 5, threads: 1, fresh: true }), join(scratchDir(), 'loops-clean'));
  assert.equal(asr.calls.length, 2);
  assert.equal(asr.calls[1]!.options.fresh, true);
  assert.equal(asr.calls[1]!.options.prompt, undefined);
  assert.ok(Math.abs(asr.calls[1]!.seconds - 6) < 0.01, `the span and half a second each side: ${asr.calls[1]!.seconds} s`);
  assert.deepEqual(retries, [{ start: 1, end: 6, kept: 'second' }]);
  assert.deepEqual(result.segments.map((s) => [s.start, s.text]), [[0, 'On entre ?'], [1, loop], [3.7, 'Elle est fermée à clé.'], [6.5, 'Bon.']]);
  assert.equal(result.segments[2]!.tokens[0]!.start, 3.7, 'tokens moved onto the chunk too');
});

test('a second result that loops too is not kept: the first stays, for the filter', async () => {
  const { wav } = await dialogueWav();
  const asr = new LoopingAsr('loops');
  const first = await asr.transcribe(wav, { language: 'fr', beamSize: 5, threads: 1 });
  const { result, retries } = await retryLoops(wav, first, (span) => asr.transcribe(span, { language: 'fr', beamSize: 5, threads: 1, fresh: true }), join(scratchDir(), 'loops-again'));
  assert.equal(asr.calls.length, 2, 'once per span');
  assert.deepEqual(retries, [{ start: 1, end: 6, kept: 'first' }]);
  assert.deepEqual(result, first);
});

test('the real whisper-cli on a random-weight model: its loops get one fresh call each, bounded', async () => {
  const model = join(scratchDir(), 'ggml-tiny-loops.bin');
  await writeGgmlModel(model, TINY_DIMS, { seed: 7 });
  const lines: string[] = [];
  const engine = new WhisperCppEngine({
    binaryPath: resolveWhisperBinary({}, packageRoot()),
    modelPath: model,
    decoding: { noFallback: true },
    log: createLogger({ json: true, minSeverity: 'DEBUG', write: (l) => lines.push(l) }),
  });
  const { wav } = await dialogueWav();
  const base: AsrOptions = { language: 'fr', beamSize: 1, threads: 1 };
  const first = await engine.transcribe(wav, base);
  const spans = loopSpans(first.segments);
  // Random weights repeat their favourite tokens: the first result loops (a fact of this model, checked here).
  assert.ok(spans.length > 0, 'the random-weight model loops');
  const { retries } = await retryLoops(wav, first, (span) => engine.transcribe(span, { ...base, fresh: true }), join(scratchDir(), 'loops-real'));
  const argv = lines.map((l) => JSON.parse(l) as { args?: string[] }).filter((m) => m.args).map((m) => m.args!);
  assert.equal(argv.length, 1 + Math.min(spans.length, MAX_RETRIES), 'one fresh call per span, no more');
  for (const args of argv.slice(1)) {
    assert.equal(args[args.indexOf('-mc') + 1], '0', 'no text carried between windows');
    assert.ok(!args.includes('-nf') && !args.includes('--prompt'), 'temperature fallback on, no prompt');
  }
  assert.equal(retries.length, Math.min(spans.length, MAX_RETRIES));
});
