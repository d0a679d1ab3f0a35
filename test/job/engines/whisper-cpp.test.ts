import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AbortedError, ConfigError } from '../../../lib/errors.js';
import { createLogger } from '../../../lib/log.js';
import type { AsrOptions, AsrResult } from '../../../job/engines/asr.js';
import { fitPrompt, repairWhisperJson, toAsrResult, WhisperCppEngine, type WhisperCppConfig } from '../../../job/engines/whisper-cpp.js';
import { readWhisperVocab } from '../../../job/engines/whisper-vocab.js';
import { packageRoot, resolveWhisperBinary } from '../../../job/engines/whisper-model.js';
import { wavBytes } from '../../support/espeak.js';
import { dialogueWav, scratchDir } from '../../support/fixtures.js';
import { TINY_DIMS, writeGgmlModel } from '../../support/ggml-model.js';

const pgrep = promisify(execFile);

/** The vendored whisper-cli; its absence fails (not skips) every engine test, with the build hint. */
function cli(): string {
  return resolveWhisperBinary({}, packageRoot());
}

let model: Promise<string> | undefined;
function tinyModel(): Promise<string> {
  model ??= (async () => {
    const path = join(scratchDir(), 'ggml-tiny-random.bin');
    await writeGgmlModel(path, TINY_DIMS, { seed: 7 });
    return path;
  })();
  return model;
}

/** An engine whose debug log (whisper-cli's argv and stderr) is kept for assertions. */
async function engine(config: Partial<WhisperCppConfig> = {}, onLine?: (line: string) => void) {
  const lines: string[] = [];
  const log = createLogger({ json: true, minSeverity: 'DEBUG', write: (l) => (lines.push(l), onLine?.(l)) });
  const e = new WhisperCppEngine({ binaryPath: cli(), modelPath: await tinyModel(), log, decoding: { noFallback: true }, ...config });
  const messages = () => lines.map((l) => JSON.parse(l) as { message: string; args?: string[] });
  return {
    engine: e,
    /** whisper-cli's own "processing '…' (…), N threads, …, N beams + best of N, lang = xx" lines. */
    processing: () => messages().filter((m) => m.message.includes("processing '")).map((m) => m.message),
    argv: () => messages().filter((m) => m.args).map((m) => m.args!),
    lines: () => messages().map((m) => m.message),
  };
}

// One thread: on a busy 2-core machine ggml's spinning thread barriers make 2-thread decoding of a tiny model ~20× slower.
const base: AsrOptions = { language: 'fr', beamSize: 1, threads: 1 };
const duration = (pcm: Int16Array) => pcm.length / 16000;

function assertWellFormed(result: AsrResult, seconds: number): void {
  let previous = 0;
  for (const s of result.segments) {
    assert.ok(s.start >= previous - 1e-9 && s.start <= s.end && s.end <= seconds + 1e-9, `segment ${JSON.stringify(s)} in [0, ${seconds}] after ${previous}`);
    previous = s.start;
    assert.equal(s.text, s.text.trim());
    for (const t of s.tokens) {
      assert.doesNotMatch(t.text, /^\[_|^<\|/, 'special tokens are removed');
      assert.ok(t.start >= s.start && t.end <= s.end && t.probability >= 0 && t.probability <= 1, JSON.stringify(t));
    }
    if (s.tokens.length > 0) assert.ok(Number.isFinite(s.avgLogprob) && s.avgLogprob! <= 0);
  }
}

test('transcribes espeak speech with a random-weight model: ordered segments inside the file', async () => {
  const { wav, pcm } = await dialogueWav();
  const { engine: e } = await engine();
  assert.match(e.description, /^whisper\.cpp \d+\.\d+\.\d+ \(ggml-tiny-random\.bin\)$/);
  const progress: number[] = [];
  const result = await e.transcribe(wav, { ...base, onProgress: (f) => progress.push(f) });
  assert.equal(result.language, 'fr');
  assert.ok(result.segments.length > 0, 'the random decoder still emits timestamped segments');
  assertWellFormed(result, duration(pcm));
  assert.ok(progress.every((f) => f >= 0 && f <= 1) && progress.at(-1) === 1, `progress ${progress}`);
});

test('a q8_0 model, stored like the production one, loads and runs', async () => {
  const { wav, pcm } = await dialogueWav();
  const path = join(scratchDir(), 'ggml-tiny-random-q8_0.bin');
  await writeGgmlModel(path, TINY_DIMS, { seed: 7, weights: 'q8_0' });
  const { engine: e } = await engine({ modelPath: path });
  assertWellFormed(await e.transcribe(wav, base), duration(pcm));
});

test('language, threads and beam size reach whisper-cli (as it reports them)', async () => {
  const { wav, pcm } = await dialogueWav();
  for (const [language, threads, beamSize] of [['fr', 1, 1], ['en', 2, 3]] as const) {
    const { engine: e, processing } = await engine();
    const result = await e.transcribe(wav, { language, threads, beamSize });
    assert.equal(result.language, language);
    assertWellFormed(result, duration(pcm));
    const [line, ...more] = processing();
    assert.equal(more.length, 0, 'one whisper-cli run');
    assert.match(line!, new RegExp(`, ${threads} threads, .*, ${beamSize} beams \\+ best of \\d+, lang = ${language},`));
  }
});

test('the prompt is carried into every window, within its token budget, with room for the running context', async () => {
  const { wav } = await dialogueWav();
  const prompt = 'Joueurs : Camille, Hugo. Personnages : Ektaron, Sylvaëlle.';
  const without = await engine();
  const withPrompt = await engine({ decoding: { noFallback: true } }, undefined);
  const a = await without.engine.transcribe(wav, base);
  const b = await withPrompt.engine.transcribe(wav, { ...base, prompt });
  const argv = withPrompt.argv()[0]!;
  const budget = withPrompt.engine.promptBudget();
  assert.equal(budget.tokens, 224 - 1 - 64, "whisper's 224 tokens less the marker and 64 of running context");
  assert.equal(argv[argv.indexOf('--prompt') + 1], prompt);
  assert.ok(argv.includes('--carry-initial-prompt'), 'carried into every window');
  assert.equal(argv[argv.indexOf('-mc') + 1], String(budget.count(prompt) + 1 + 64), '-mc leaves the running context its 64 tokens');
  assert.equal(argv[argv.indexOf('-et') + 1], '2.8', "the entropy threshold for long audio (whisper.cpp #1507)");
  assert.ok(!without.argv()[0]!.includes('--prompt') && !without.argv()[0]!.includes('--carry-initial-prompt'));
  assert.equal(without.argv()[0]![without.argv()[0]!.indexOf('-mc') + 1], '64');
  // Same audio, greedy, deterministic: only the prompt differs, and the decoder's output changes with it.
  assert.notDeepEqual(b.segments, a.segments);

  const uncarried = await engine({ decoding: { noFallback: true, carryPrompt: false, maxContext: 32, entropyThreshold: 2.4 } });
  await uncarried.engine.transcribe(wav, { ...base, prompt });
  const plain = uncarried.argv()[0]!;
  assert.ok(!plain.includes('--carry-initial-prompt'));
  assert.equal(plain[plain.indexOf('-et') + 1], '2.4');
  assert.equal(plain[plain.indexOf('-mc') + 1], String(budget.count(prompt) + 1 + 32));
  assert.equal(uncarried.engine.promptBudget().tokens, 224 - 1 - 32);
});

test('a prompt over its budget is cut from the front, and whisper-cli does not have to cut it', async () => {
  const { wav } = await dialogueWav();
  const names = Array.from({ length: 120 }, (_, i) => `Personnage${i}`).join(', ');
  const prompt = `Personnages : ${names}. Lieux : Valombre, Castel-Noir.`;
  const e = await engine();
  await e.engine.transcribe(wav, { ...base, prompt });
  const argv = e.argv()[0]!;
  const sent = argv[argv.indexOf('--prompt') + 1]!;
  const budget = e.engine.promptBudget();
  assert.ok(budget.count(prompt) > budget.tokens, 'the test prompt is over budget');
  assert.ok(budget.count(sent) <= budget.tokens && budget.count(sent) > budget.tokens - 10, `${budget.count(sent)} of ${budget.tokens} tokens`);
  assert.ok(prompt.endsWith(sent) && sent.endsWith('Castel-Noir.'), sent.slice(0, 40));
  assert.ok(!e.lines().some((l) => l.includes('initial prompt is too long')), 'whisper-cli kept it whole');
});

test('a fresh attempt has no prompt, no running context and temperature fallback', async () => {
  const { wav } = await dialogueWav();
  const e = await engine({ decoding: { noFallback: true } });
  await e.engine.transcribe(wav, { ...base, prompt: 'Joueurs : Camille.', fresh: true });
  const argv = e.argv()[0]!;
  assert.ok(!argv.includes('--prompt') && !argv.includes('--carry-initial-prompt') && !argv.includes('-nf'), argv.join(' '));
  assert.equal(argv[argv.indexOf('-mc') + 1], '0');
});

test("prompt tokens are counted as whisper.cpp counts them (its own warning says how many it found)", async () => {
  const { wav } = await dialogueWav();
  const vocab = readWhisperVocab(await tinyModel());
  assert.equal(vocab.textContext, 448);
  const texts = [
    "Joueurs : Camille, Hugo. Personnages : Ektaron, Kael'thas, Sylvaëlle.",
    "Zéphyrine et l'Ordre du Silure",
    '  double  espace, «guillemets» … 123 45  fin ',
    "l'homme qu'il y'a l’épée — Ça va ? Oui!!",
    // English contractions are pieces of their own; "à" ends in the byte 0xA0, which is no space for std::regex.
    "Morwenna's sword isn't there, she'll be à la Citadelle, we've lost it, déjàvu",
  ];
  for (const text of texts) {
    // -mc 2 leaves room for one prompt token: whisper warns with the count it made.
    const { stderr } = await promisify(execFile)(cli(), ['-m', await tinyModel(), '-f', wav, '-t', '1', '-bs', '1', '-nf', '-d', '1000', '--carry-initial-prompt', '-mc', '2', '--prompt', text]);
    const counted = /initial prompt is too long \((\d+) tokens\)/.exec(stderr)?.[1];
    assert.equal(vocab.countTokens(text), Number(counted), text);
  }
});

test("'auto' with allowed languages: detection is honoured inside the set, else the first allowed wins", async () => {
  const { wav } = await dialogueWav();
  const free = await engine();
  const detected = (await free.engine.transcribe(wav, { ...base, language: 'auto' })).language;
  assert.ok(!free.argv()[0]!.includes('-dl'), 'no separate detection pass without a set');
  const other = detected === 'fr' ? 'en' : 'fr';
  const third = ['de', 'es', 'it'].find((l) => l !== detected)!;

  const inside = await engine();
  assert.equal((await inside.engine.transcribe(wav, { ...base, language: 'auto', allowedLanguages: [other, detected] })).language, detected);
  assert.ok(inside.argv()[0]!.includes('-dl'), 'a detect-only pass first');
  assert.match(inside.processing()[1]!, new RegExp(`lang = ${detected},`));

  const outside = await engine();
  const result = await outside.engine.transcribe(wav, { ...base, language: 'auto', allowedLanguages: [other, third] });
  assert.equal(result.language, other);
  assert.match(outside.processing()[1]!, new RegExp(`lang = ${other},`));
});

test('abort mid-run kills whisper-cli and leaves nothing behind', async () => {
  const { pcm } = await dialogueWav();
  // Five minutes, beam search and temperature fallback: many seconds of work for the tiny model.
  const long = new Int16Array(pcm.length * 15);
  for (let i = 0; i < 15; i++) long.set(pcm, i * pcm.length);
  const wav = join(scratchDir(), `abort-${process.pid}.wav`);
  writeFileSync(wav, wavBytes(long));
  const controller = new AbortController();
  let running = false;
  const { engine: e, argv } = await engine({ decoding: {} }, (line) => {
    if (line.includes("processing '") && !controller.signal.aborted) {
      running = true;
      controller.abort();
    }
  });
  await assert.rejects(e.transcribe(wav, { ...base, beamSize: 5, signal: controller.signal }), AbortedError);
  assert.ok(running, 'whisper-cli was running when aborted');
  // No timing asserted: the process table says whether it is gone.
  await assert.rejects(pgrep('pgrep', ['-f', wav]), (err: { code?: number }) => err.code === 1, 'no whisper-cli left on this input');
  const out = argv()[0]![argv()[0]!.indexOf('-of') + 1]!;
  assert.ok(!existsSync(join(out, '..')), 'temp folder removed');
  await assert.rejects(e.transcribe(wav, { ...base, signal: controller.signal }), AbortedError, 'an aborted signal stops before starting');
});

test('failures name the input and say what to do', async () => {
  const { wav } = await dialogueWav();
  const notAudio = join(scratchDir(), 'not-audio.wav');
  writeFileSync(notAudio, 'this is not a wav file');
  const { engine: e } = await engine();
  await assert.rejects(e.transcribe(notAudio, base), /whisper-cli wrote no result for .*not-audio\.wav.*\n.*failed to read audio/s);
  await assert.rejects(e.transcribe(wav, { ...base, language: 'xx' }), (err) => err instanceof ConfigError && /language "xx"/.test(err.message));

  const broken = join(scratchDir(), 'ggml-broken.bin');
  writeFileSync(broken, (await import('node:fs')).readFileSync(await tinyModel()).subarray(0, 3_000_000)); // cut inside the tensors
  const { engine: withBroken } = await engine({ modelPath: broken });
  await assert.rejects(withBroken.transcribe(wav, base), (err) => err instanceof ConfigError && err.message.includes('ggml-broken.bin: whisper-cli could not load it'));

  const { engine: noBinary } = await engine({ binaryPath: join(scratchDir(), 'no-such-whisper-cli') });
  await assert.rejects(noBinary.transcribe(wav, base), (err) => err instanceof ConfigError && /make install/.test(err.message));
});

test('whisper JSON: ms to seconds, special tokens dropped, raw control bytes and NaN repaired', () => {
  const raw = `{"model": {"vocab": 51865}, "result": {"language": "fr"}, "transcription": [
    {"offsets": {"from": 640, "to": 9180}, "text": " Bonjour\u0001 à tous", "tokens": [
      {"text": "[_BEG_]", "offsets": {"from": 0, "to": 0}, "id": 50365, "p": 0.9},
      {"text": " Bonjour\u0001", "offsets": {"from": 970, "to": 2000}, "id": 1234, "p": 0.5},
      {"text": " à", "id": 222, "p": -nan},
      {"text": "<|endoftext|>", "id": 50257, "p": 1},
      {"text": "[_TT_459]", "offsets": {"from": 9180, "to": 9180}, "id": 50823, "p": 0.1}]},
    {"offsets": {"from": 9180, "to": 25000}, "text": "  ", "tokens": []}]}`;
  const result = toAsrResult(JSON.parse(repairWhisperJson(raw)), { language: 'fr', durationSeconds: 11 });
  assert.deepEqual(result, {
    language: 'fr',
    segments: [
      {
        start: 0.64,
        end: 9.18,
        text: 'Bonjour  à tous',
        tokens: [
          { start: 0.97, end: 2, text: ' Bonjour ', probability: 0.5 },
          { start: 0.64, end: 9.18, text: ' à', probability: 0 },
        ],
        avgLogprob: (Math.log(0.5) + Math.log(1e-10)) / 2,
      },
    ],
  });
});

test('fitPrompt keeps the end, from a word boundary, within the budget', () => {
  const chars = { tokens: 100, count: (t: string) => t.length };
  assert.equal(fitPrompt('  Joueurs : Alice,\n Bob.  ', chars), 'Joueurs : Alice, Bob.');
  const list = Array.from({ length: 200 }, (_, i) => `Nom${i}`).join(', ');
  const cut = fitPrompt(list, chars);
  assert.ok(cut.length <= 100 && cut.length > 90 && list.endsWith(cut) && /^Nom\d+,/.test(cut), cut);
  assert.equal(fitPrompt('Unmotbientroplongpourlebudget', { tokens: 3, count: (t) => t.length }), '');
});
