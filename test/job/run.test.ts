/**
 * runSession, the orchestrator: what reaches the stages (settings, order), what a user reads (the name on every line),
 * and the runs that must stop early or go on without something (no speech, an unwritable output, a broken embedder).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STAGES } from '../../lib/contracts/completion.js';
import { parseSessionContext } from '../../lib/contracts/context.js';
import { ConfigError } from '../../lib/errors.js';
import { memoryLogger } from '../../lib/log.js';
import { FileStore } from '../../lib/storage/index.js';
import type { AsrEngine, AsrOptions, AsrResult } from '../../job/engines/asr.js';
import type { SpeakerEmbedder } from '../../job/engines/embedder.js';
import { SpectralEmbedder } from '../../job/engines/embedder-spectral.js';
import { ffmpegTools } from '../../job/engines/ffmpeg.js';
import { SileroVad } from '../../job/engines/silero-vad.js';
import { silentProgress } from '../../job/progress.js';
import { runSession, type RunDeps, type RunSettings } from '../../job/run.js';
import { buildPrompt } from '../../job/stages/prompt.js';
import { segmentNameAccuracy } from '../support/der.js';
import { DEMO_CONTEXT, writeDemoSession, type DemoSession } from '../support/demo-session.js';
import { wavBytes } from '../support/espeak.js';
import { appendFaint, strangerTalk } from '../support/faint-talk.js';
import { rpgSession } from '../support/rpg-session.js';
import { dialogueWav, scratchDir } from '../support/fixtures.js';
import { ScriptedAsr, SpeechIslandsAsr } from '../support/scripted-asr.js';
import { testSettings } from '../support/run-settings.js';

/** A test double whose model cannot run, like an ONNX file that loads but fails at inference. */
class BrokenEmbedder implements SpeakerEmbedder {
  readonly description = 'broken test embedder';
  readonly dim = 8;
  async embed(): Promise<Float32Array> {
    throw new Error('inference failed: bad input shape');
  }
}

/** An ASR double that answers a fixed script (times on the file it is given) and records what it was asked. */
class ScriptAsr implements AsrEngine {
  readonly description = 'script test ASR';
  readonly calls: AsrOptions[] = [];
  constructor(private readonly answer: AsrResult) {}
  async transcribe(_wav: string, options: AsrOptions): Promise<AsrResult> {
    this.calls.push(options);
    return this.answer;
  }
}

const settings: RunSettings = testSettings();

let vad: SileroVad;
let demo: DemoSession;
before(async () => {
  vad = await SileroVad.create();
  demo = await writeDemoSession(join(scratchDir(), 'run-demo'));
});

function deps(name: string, input: string, overrides: Partial<RunDeps> = {}): RunDeps & { log: ReturnType<typeof memoryLogger> } {
  return {
    input: new FileStore(input),
    output: new FileStore(join(scratchDir(), `run-${name}`, 'out')),
    asr: new ScriptedAsr(),
    vad,
    tools: ffmpegTools(),
    log: memoryLogger(),
    progress: silentProgress,
    workDir: join(scratchDir(), `run-${name}`, 'work'),
    ...overrides,
  } as RunDeps & { log: ReturnType<typeof memoryLogger> };
}

async function dialogueInput(name: string): Promise<string> {
  const { wav } = await dialogueWav();
  const input = join(scratchDir(), `run-${name}`, 'in');
  mkdirSync(input, { recursive: true });
  copyFileSync(wav, join(input, 'dialogue.wav'));
  return input;
}

const demoContext = { store: () => new FileStore(join(demo.dir, 'context')), key: 'context.yaml', explicit: true };

test('the name on every line: each transcript segment is scored against who really spoke', async () => {
  const asr = new SpeechIslandsAsr();
  const outcome = await runSession(
    { ...settings, session: 'demo' },
    deps('names', demo.dir, { asr, embedder: new SpectralEmbedder(), context: { ...demoContext, store: demoContext.store() } }),
  );
  const truth = demo.truth.map((t) => ({ start: t.start, end: t.end, speaker: t.speaker === 'Sam' ? 'SPK4' : t.speaker! }));
  const segments = outcome.transcript.segments;
  assert.ok(segments.length >= demo.truth.length * 0.8, `${segments.length} segments for ${demo.truth.length} lines`);
  const accuracy = segmentNameAccuracy(truth, segments);
  assert.ok(accuracy >= 0.9, `right name on ${(accuracy * 100).toFixed(1)} % of speech`);
  // Not one name for everybody: every speaker of the truth has lines of their own.
  assert.deepEqual([...new Set(segments.map((s) => s.speaker))].sort(), ['Camille', 'Hugo', 'Léa', 'SPK4']);
});

test('settings reach the ASR engine: the glossary prompt, the language rule, beam and threads', async () => {
  const context = parseSessionContext(DEMO_CONTEXT).context;
  const multi = new ScriptedAsr();
  await runSession(
    { ...settings, language: { primary: 'fr', secondary: 'en', multi: true }, beamSize: 3, threads: 2 },
    deps('settings-multi', await dialogueInput('settings-multi'), { asr: multi, context: { ...demoContext, store: demoContext.store() } }),
  );
  assert.equal(multi.calls.length, 1);
  const asked = multi.calls[0]!.options;
  assert.equal(asked.language, 'auto');
  assert.deepEqual(asked.allowedLanguages, ['fr', 'en']);
  assert.equal(asked.beamSize, 3);
  assert.equal(asked.threads, 2);
  assert.equal(asked.prompt, buildPrompt(context, 'fr').text);
  for (const name of ['Camille', 'Hugo', 'Eldrin', 'Port-Sombre', 'Val-de-Brume']) assert.ok(asked.prompt?.includes(name), `${name} in the prompt`);

  const single = new ScriptedAsr();
  await runSession({ ...settings, language: { primary: 'en', secondary: undefined, multi: false } }, deps('settings-single', await dialogueInput('settings-single'), { asr: single }));
  assert.equal(single.calls[0]!.options.language, 'en');
  assert.equal(single.calls[0]!.options.allowedLanguages, undefined);
  assert.equal(single.calls[0]!.options.prompt, undefined, 'no context, no prompt');
});

test('the glossary runs after speakers are assigned: a line split between two voices is cut at the words heard', async () => {
  // One ASR segment over two consecutive lines of the demo (Camille, then Hugo), its first word a misspelt name.
  const [first, second] = [demo.truth[0]!, demo.truth[1]!];
  const word = (text: string, start: number, end: number) => ({ text, start, end, probability: 0.9 });
  const a = (k: number) => first.start + ((first.end - first.start) * k) / 3;
  const b = (k: number) => second.start + ((second.end - second.start) * k) / 3;
  const asr = new ScriptAsr({
    language: 'fr',
    segments: [
      {
        start: first.start,
        end: second.end,
        text: 'Ectaron arrive ici. I walk.',
        tokens: [word(' Ectaron', a(0), a(1)), word(' arrive', a(1), a(2)), word(' ici.', a(2), a(3)), word(' I', b(0), b(1)), word(' walk.', b(1), b(3))],
        avgLogprob: -0.1,
      },
    ],
  });
  // The demo's context, with a name whose alias differs in its letters: the words say "Ectaron", the text will not.
  writeFileSync(join(demo.dir, 'context', 'order.yaml'), `${DEMO_CONTEXT}  characters: [Eldrin, { name: Ektaron, aliases: [Ectaron] }]\n`.replace('  characters: [Eldrin]\n', ''));
  const outcome = await runSession(
    { ...settings, session: 'demo' },
    deps('order', demo.dir, { asr, embedder: new SpectralEmbedder(), context: { store: demoContext.store(), key: 'order.yaml', explicit: true } }),
  );
  assert.deepEqual(outcome.warnings.filter((w) => /order\.yaml/.test(w)), [], 'the context parsed');
  const lines = outcome.transcript.segments.filter((s) => s.start < second.end);
  assert.deepEqual(
    lines.map((s) => [s.speaker, s.text]),
    [
      ['Camille', 'Ektaron arrive ici.'],
      ['Hugo', 'I walk.'],
    ],
  );
});

test('no speech found: no ASR at all, an empty transcript, and the report says what threshold to try', async () => {
  const input = join(scratchDir(), 'run-silence', 'in');
  mkdirSync(input, { recursive: true });
  // Ten seconds of faint noise: what a recorder left running in an empty room gives.
  const noise = Int16Array.from({ length: 160_000 }, () => Math.round((Math.random() - 0.5) * 60));
  writeFileSync(join(input, 'room.wav'), wavBytes(noise));
  const asr = new ScriptedAsr();
  const d = deps('silence', input, { asr, embedder: new SpectralEmbedder() });
  const outcome = await runSession({ ...settings, formats: ['json', 'md'], vad: { ...settings.vad, threshold: 0.6 } }, d);
  assert.equal(asr.calls.length, 0, 'nothing was given to Whisper');
  assert.deepEqual(outcome.transcript.segments, []);
  assert.equal(outcome.speechSeconds, 0);
  const warning = outcome.warnings.find((w) => /No speech was found/.test(w));
  assert.match(warning ?? '', /threshold 0\.6.*vad_threshold: 0\.4 in _READY, --vad-threshold 0\.4 or VAD_THRESHOLD=0\.4/);
  assert.ok(outcome.outputs.report.warnings.includes(warning!));
  const md = (await d.output.read('transcript.md')).toString();
  assert.match(md, /No speech was transcribed/);
});

test('talk far behind the table is left out and the report says where and how to keep it; VAD_FAINT_DB keeps it', async () => {
  const input = join(scratchDir(), 'run-faint', 'in');
  mkdirSync(input, { recursive: true });
  const table = await rpgSession({ seed: 5, seconds: 20 });
  const { pcm, from, to } = appendFaint(table.pcm, await strangerTalk(), -32);
  writeFileSync(join(input, 'table.wav'), wavBytes(pcm));
  const far = (s: ReadonlyArray<{ start: number; end: number }>) => s.filter((x) => x.start < to && x.end > from);

  const asr = new SpeechIslandsAsr();
  const outcome = await runSession({ ...settings, formats: ['json', 'md'] }, deps('faint', input, { asr }));
  const warning = outcome.warnings.find((w) => /faint speech/.test(w));
  assert.match(warning ?? '', /^\d+ s of faint speech, 25 dB or more under the voices at the table \(at 0:00:2\d–0:00:3\d\), was left out as talk far from the table/);
  assert.match(warning!, /vad_faint_db: 40 in _READY, --vad-faint-db 40 or VAD_FAINT_DB=40\.$/);
  assert.ok(outcome.outputs.report.warnings.includes(warning!));
  assert.deepEqual(far(outcome.transcript.segments), [], 'no line from the far talk');

  const kept = await runSession({ ...settings, formats: ['json'], vad: { threshold: 0.5, faintDb: 40 } }, deps('faint-kept', input, { asr: new SpeechIslandsAsr() }));
  assert.equal(kept.warnings.find((w) => /faint speech/.test(w)), undefined);
  assert.ok(kept.speechSeconds >= outcome.speechSeconds + 7, `with 40 dB of margin the far talk is speech: ${kept.speechSeconds} s against ${outcome.speechSeconds} s`);
});

test('an output location that cannot take a write fails before any work, naming the cause', async () => {
  const input = await dialogueInput('unwritable');
  const file = join(scratchDir(), 'run-unwritable', 'a-file');
  writeFileSync(file, 'not a folder');
  const asr = new ScriptedAsr();
  const d = deps('unwritable', input, { asr, output: new FileStore(join(file, 'out')) });
  await assert.rejects(runSession(settings, d), (e: unknown) => e instanceof ConfigError && /cannot be written to: .*a-file: part of the path is a file, not a folder/.test(e.message));
  assert.equal(asr.calls.length, 0);
  assert.equal(existsSync(d.workDir), false, 'nothing fetched');
});

test('with the model-free embedder every segment gets a speaker, and the RTTM lists the diarization turns', async () => {
  const outcome = await runSession(settings, deps('spectral', await dialogueInput('spectral'), { embedder: new SpectralEmbedder() }));
  const t = outcome.transcript;
  assert.ok(t.speakers.length >= 1);
  assert.ok(t.segments.every((s) => s.speaker), 'every segment labelled');
  assert.ok(t.turns && t.turns.length >= 2, 'diarization turns kept');
  assert.match(t.model.embedder ?? '', /model-free/);
  assert.deepEqual(
    outcome.timings.map((s) => s.stage),
    ['fetch', 'decode', 'vad', 'chunk', 'speakers', 'asr', 'merge', 'glossary', 'render', 'archive', 'upload'],
  );
  // The completion contract names exactly these, plus the trigger's, the deployment's and the publishing, and the
  // opt-in recap (test/job/recap-run.test.ts).
  assert.deepEqual(STAGES.filter((s) => !['trigger', 'config', 'publish', 'recap'].includes(s)), outcome.timings.map((s) => s.stage));
});

test('a broken embedder costs the names, not the transcript: a warning says why', async () => {
  const d = deps('broken', await dialogueInput('broken'), { embedder: new BrokenEmbedder() });
  const outcome = await runSession(settings, d);
  assert.ok(outcome.transcript.segments.length > 0);
  assert.deepEqual(outcome.transcript.speakers, []);
  assert.equal(outcome.transcript.turns, undefined);
  assert.ok(outcome.warnings.some((w) => /Speakers were not identified.*inference failed/.test(w)), outcome.warnings.join('\n'));
  assert.ok(d.log.lines.some((e) => e.severity === 'WARNING' && /Speakers were not identified/.test(e.message)));
  assert.ok(outcome.outputs.uris.some((u) => u.endsWith('transcript.rttm')));
  assert.deepEqual(readdirSync(join(scratchDir(), 'run-broken', 'out')).filter((n) => n.startsWith('.')), [], 'no temporary files left in the output');
});
