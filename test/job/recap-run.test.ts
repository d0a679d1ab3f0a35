/**
 * The recap in a whole run: after the glossary, from the named transcript and the context, to recap.md, transcript.json,
 * the zip and the report (tokens, cost, what was dropped); a failing model is a warning and a normal transcript; a
 * retried finish does not pay for the recap twice. The model is Gemini's wire format on a loopback server, through
 * the real SDK.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import JSZip from 'jszip';
import { memoryLogger } from '../../lib/log.js';
import { FileStore, type ObjectInfo, type WriteOptions } from '../../lib/storage/index.js';
import { SpectralEmbedder } from '../../job/engines/embedder-spectral.js';
import { ffmpegTools } from '../../job/engines/ffmpeg.js';
import { VertexRecapModel } from '../../job/engines/recap-vertex.js';
import { SileroVad } from '../../job/engines/silero-vad.js';
import { runTask } from '../../job/parallel/task.js';
import { WorkArea } from '../../job/parallel/work.js';
import { silentProgress } from '../../job/progress.js';
import { runSession, type RunDeps } from '../../job/run.js';
import type { Report } from '../../job/report.js';
import type { TranscriptJson } from '../../job/writers/json.js';
import { startVertexServer, vertexError, type LlmServer } from '../integration/llm-servers.js';
import { DEMO_CONTEXT, writeDemoSession, type DemoSession } from '../support/demo-session.js';
import { scratchDir } from '../support/fixtures.js';
import { loopbackGoogleAuth } from '../support/loopback-auth.js';
import { testSettings } from '../support/run-settings.js';
import { SpeechIslandsAsr } from '../support/scripted-asr.js';

let vad: SileroVad;
let demo: DemoSession;
let vertex: LlmServer;
before(async () => {
  vad = await SileroVad.create();
  demo = await writeDemoSession(join(scratchDir(), 'recap-demo'));
  // The demo's context, saying who plays whom.
  writeFileSync(join(demo.dir, 'context', 'cast.yaml'), DEMO_CONTEXT.replace('{ id: hugo, name: Hugo,', '{ id: hugo, name: Hugo, character: Eldrin,'));
  vertex = await startVertexServer();
});
after(async () => {
  await vertex?.close();
});

const settings = testSettings({ session: 'demo', formats: ['json', 'md'], recap: { contextTokens: 1_048_576, retry: { attempts: 2, delayMs: 1 } } });
const gemini = () => new VertexRecapModel({ project: 'jdr-test', location: 'europe-west1', model: 'gemini-3.5-flash', baseUrl: vertex.url, googleAuthOptions: loopbackGoogleAuth() });

function deps(name: string, overrides: Partial<RunDeps> = {}): RunDeps & { log: ReturnType<typeof memoryLogger> } {
  return {
    input: new FileStore(demo.dir),
    output: new FileStore(join(scratchDir(), `recap-${name}`, 'out')),
    context: { store: new FileStore(join(demo.dir, 'context')), key: 'cast.yaml', explicit: true },
    asr: new SpeechIslandsAsr(),
    vad,
    embedder: new SpectralEmbedder(),
    recap: gemini(),
    tools: ffmpegTools(),
    log: memoryLogger(),
    progress: silentProgress,
    workDir: join(scratchDir(), `recap-${name}`, 'work'),
    ...overrides,
  } as RunDeps & { log: ReturnType<typeof memoryLogger> };
}

test('a run with a recap model: the named transcript goes to it after the glossary, the checked answer comes out as recap.md', async () => {
  const from = vertex.requests.length;
  const d = deps('written');
  const outcome = await runSession(settings, d);
  const requests = vertex.requests.slice(from);
  assert.equal(requests.length, 1);
  const input = requests[0]!.input;
  // Named turns with their times, as the transcript has them (the speech-islands ASR writes "mot<i>.<k>").
  const first = outcome.transcript.segments[0]!;
  assert.match(input, new RegExp(`^\\[0:00:0${Math.floor(first.start)}\\] ${first.speaker}: mot0\\.0 mot0\\.1 mot0\\.2`, 'm'));
  for (const name of ['Camille', 'Hugo', 'Léa']) assert.match(input, new RegExp(`^\\[\\d:\\d\\d:\\d\\d\\] ${name}: `, 'm'), `${name} has lines`);
  assert.match(input, /- Hugo: plays Eldrin/);
  assert.match(input, /- Places: Port-Sombre; Val-de-Brume/);

  assert.deepEqual(outcome.timings.map((t) => t.stage).slice(-5), ['glossary', 'recap', 'render', 'archive', 'upload']);
  const recap = outcome.transcript.recap!;
  assert.equal(recap.quotes.length, 1);
  assert.equal(recap.quotes[0]!.speaker, first.speaker);
  assert.ok(recap.events.every((e) => e.time <= outcome.transcript.duration));

  const md = (await d.output.read('recap.md')).toString();
  assert.match(md, /^# Résumé de la séance : demo$/m);
  assert.match(md, new RegExp(`^- \\[0:00:0${Math.floor(first.start)}\\] ${first.speaker} prend la parole\\.$`, 'm'));
  assert.doesNotMatch(md, /roi des licornes|après la fin de la séance/, 'the inventions are not in it');
  const json = JSON.parse((await d.output.read('transcript.json')).toString()) as TranscriptJson;
  assert.deepEqual(json.recap?.quotes.map((q) => q.text), [recap.quotes[0]!.text]);
  const zip = await JSZip.loadAsync(await d.output.read('demo.zip'));
  assert.ok(zip.file('demo/recap.md'), 'recap.md is in the zip');

  const report = JSON.parse((await d.output.read('report.json')).toString()) as Report;
  assert.deepEqual(report.recap, {
    status: 'written',
    model: 'gemini-3.5-flash on Vertex AI (europe-west1)',
    requests: 1,
    parts: 1,
    tokensIn: 1200,
    tokensOut: 300,
    costUsd: 0.0045,
    dropped: { quotes: 1, times: 1 },
  });
  const reportMd = (await d.output.read('report.md')).toString();
  assert.match(reportMd, /### Recap\n\n- written \(recap\.md\) by gemini-3\.5-flash on Vertex AI \(europe-west1\)\n- 1 request, 1200 tokens in, 300 out, about \$0\.0045\n- Left out as invented: 1 quote not in the transcript near their time, 1 time past the end of the session/);
  assert.deepEqual(outcome.warnings.filter((w) => /Recap/.test(w)), []);
});

test('the recap reads the transcript after the glossary: names as the glossary spells them', async () => {
  // The speech-islands ASR writes "mot<i>.<k>"; the glossary turns one of its words into a name.
  writeFileSync(join(demo.dir, 'context', 'alias.yaml'), `${DEMO_CONTEXT}  characters: [Eldrin, { name: Ektaron, aliases: ["mot0.1"] }]\n`.replace('  characters: [Eldrin]\n', ''));
  const from = vertex.requests.length;
  const outcome = await runSession(settings, deps('glossary', { context: { store: new FileStore(join(demo.dir, 'context')), key: 'alias.yaml', explicit: true } }));
  assert.deepEqual(outcome.warnings.filter((w) => /alias\.yaml/.test(w)), [], 'the context parsed');
  const input = vertex.requests[from]!.input;
  assert.match(input, /^\[0:00:0\d\] \S+: mot0\.0 Ektaron mot0\.2/m);
  assert.doesNotMatch(input, /mot0\.1/);
});

test('a model that refuses (403) costs the recap, not the transcript: a warning says what to do', async () => {
  vertex.queue(vertexError(403, 'PERMISSION_DENIED', "Permission 'aiplatform.endpoints.predict' denied"));
  const d = deps('refused');
  const outcome = await runSession(settings, d);
  assert.ok(outcome.transcript.segments.length > 0);
  assert.equal(outcome.transcript.recap, undefined);
  const warning = outcome.warnings.find((w) => w.startsWith('Recap not written: '));
  assert.match(warning ?? '', /Vertex AI refused the request \(403: PERMISSION_DENIED.*roles\/aiplatform\.user.*The transcript itself is complete\.$/);
  assert.ok(outcome.outputs.report.warnings.includes(warning!));
  assert.equal(outcome.outputs.report.recap?.status, 'failed');
  assert.equal(await d.output.stat('recap.md'), undefined);
  assert.ok(outcome.outputs.files.some((f) => f.name === 'transcript.md'));
  assert.ok(d.log.lines.some((l) => l.severity === 'WARNING' && /Recap not written/.test(l.message)));
});

test('without a recap model, no recap stage and no request', async () => {
  const from = vertex.requests.length;
  const outcome = await runSession(settings, deps('off', { recap: undefined }));
  assert.equal(vertex.requests.length, from);
  assert.ok(!outcome.timings.some((t) => t.stage === 'recap'));
  assert.equal(outcome.outputs.report.recap, undefined);
});

/** A store whose first upload of transcript.md fails, as a bucket may once. */
class FlakyStore extends FileStore {
  failures = 1;
  override async upload(path: string, key: string, options?: WriteOptions): Promise<ObjectInfo> {
    if (key === 'transcript.md' && this.failures-- > 0) throw new Error('503 Service Unavailable');
    return super.upload(path, key, options);
  }
}

test('a finish retried after the recap was written uses it again instead of paying twice', async () => {
  const root = join(scratchDir(), 'recap-retried');
  mkdirSync(root, { recursive: true });
  const output = new FlakyStore(join(root, 'out'));
  const d = deps('retried', { output });
  const work = WorkArea.of(output);
  const from = vertex.requests.length;
  const task = (attempt: number) => ({ task: { index: 0, count: 1, attempt, lastAttempt: attempt > 0 } });
  await assert.rejects(runTask(settings, { ...d, workDir: join(root, 'w0') }, work, task(0)), /503 Service Unavailable/);
  assert.equal(vertex.requests.length, from + 1, 'the recap was asked for once');
  const done = await runTask(settings, { ...d, workDir: join(root, 'w1') }, work, task(1));
  assert.equal(done.role, 'finished');
  assert.equal(vertex.requests.length, from + 1, 'and not again');
  assert.ok(done.role === 'finished' && done.outcome.transcript.recap);
  assert.ok(await output.stat('recap.md'));
});
