import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { PubSub } from '@google-cloud/pubsub';
import { main, type MainDeps } from '../../job/main.js';
import { SileroVad } from '../../job/engines/silero-vad.js';
import { parseCloudJobConfig, CLOUD_JOB_ENV_VARS, CLOUD_JOB_REQUIRED_ENV_VARS } from '../../lib/config/cloud-job.js';
import { parseCompletionMessage, type CompletionMessage } from '../../lib/contracts/completion.js';
import { ConfigError } from '../../lib/errors.js';
import { createLogger } from '../../lib/log.js';
import type { CompletionPublisher } from '../../lib/pubsub.js';
import { startGcsServer, type GcsServer } from '../integration/gcs-server.js';
import { startPubSubServer, type PubSubServer } from '../integration/pubsub-server.js';
import { dialogueWav, scratchDir } from '../support/fixtures.js';
import { wavBytes } from '../support/espeak.js';
import { TINY_DIMS, writeGgmlModel } from '../support/ggml-model.js';
import { ScriptedAsr } from '../support/scripted-asr.js';

const TOPIC = 'projects/jdr-test/topics/completions';
let gcs: GcsServer;
let pubsub: PubSubServer;

before(async () => {
  gcs = await startGcsServer();
  pubsub = await startPubSubServer();
  const admin = new PubSub({ projectId: 'jdr-test', apiEndpoint: pubsub.host });
  await admin.createTopic('completions');
  await admin.close();
  const { wav } = await dialogueWav();
  for (const s of ['ok', 'flaky', 'republish', 'real', 'nomodel', 'twice', 'race', 'retried']) gcs.putObject('jdr-in', `sessions/${s}/dialogue.wav`, readFileSync(wav));
  gcs.putObject('jdr-in', 'sessions/quiet/room.wav', wavBytes(new Int16Array(5 * 16000)));
});
after(async () => {
  await gcs.close();
  await pubsub.close();
});

function env(session: string, extra: Record<string, string> = {}) {
  return {
    STORAGE_EMULATOR_HOST: gcs.url,
    PUBSUB_EMULATOR_HOST: pubsub.host,
    INPUT_PREFIX: `gs://jdr-in/sessions/${session}/`,
    OUTPUT_BUCKET: 'jdr-out',
    OUTPUT_PREFIX: `sessions/${session}`,
    RUN_ID: `run-${session}`,
    EMAIL_TO: 'mj@club.example',
    COMPLETION_TOPIC: TOPIC,
    MAX_RETRIES: '2',
    BEAM_SIZE: '1',
    THREADS: '1',
    CLOUD_RUN_EXECUTION: `transcribe-${session}-a`,
    ...extra,
  };
}

/** Every object of a run's folder with its generation: what a second execution must leave exactly as it was. */
const snapshot = (session: string) =>
  gcs
    .objects('jdr-out')
    .filter((o) => o.name.startsWith(`sessions/${session}/`))
    .map((o) => `${o.name}@${o.generation}`)
    .sort();

function capture(asr = new ScriptedAsr()) {
  const lines: Array<{ severity: string; message: string }> = [];
  const deps: MainDeps = {
    log: createLogger({ json: true, write: (l) => lines.push(JSON.parse(l)) }),
    engines: async () => ({ asr, vad: await SileroVad.create() }),
    statusIntervalMs: 0,
  };
  return { deps, lines, asr };
}

const messages = () => pubsub.published(TOPIC).map((m) => parseCompletionMessage(JSON.parse(m.data.toString())));
const lastFor = (session: string): CompletionMessage | undefined => messages().filter((m) => m.session === session).at(-1);
const status = (session: string) => JSON.parse(gcs.getObject('jdr-out', `sessions/${session}/run-${session}/status.json`)!.data.toString());

describe('job main (Cloud Run entry)', () => {
  it('names every missing variable in one message and stops with 2', async () => {
    const { deps, lines } = capture();
    assert.equal(await main({}, deps), 2);
    const error = lines.find((l) => l.severity === 'ERROR')!.message;
    for (const v of ['INPUT_PREFIX', 'OUTPUT_BUCKET', 'COMPLETION_TOPIC']) assert.match(error, new RegExp(`${v}: is required`));
    assert.deepEqual(CLOUD_JOB_REQUIRED_ENV_VARS, ['COMPLETION_TOPIC']);
    assert.deepEqual(CLOUD_JOB_ENV_VARS, ['COMPLETION_TOPIC', 'MAX_RETRIES']);
  });

  it('still emails a configuration failure when it knows where to send it', async () => {
    const { deps } = capture();
    assert.equal(await main(env('badconf', { MAX_CHUNK_MINUTES: 'lots', MAX_RETRIES: '-1' }), deps), 2);
    const m = lastFor('badconf')!;
    assert.equal(m.error?.stage, 'config');
    assert.match(m.error!.message, /MAX_CHUNK_MINUTES: must be a number[\s\S]*MAX_RETRIES: must be at least 0/);
    assert.deepEqual(m.recipients, ['mj@club.example']);
  });

  it('transcribes, writes status.json as it goes, uploads under OUTPUT_PREFIX/RUN_ID and publishes the outcome', async () => {
    const writes: Array<{ state: string; stage?: string }> = [];
    const stop = gcs.onFinalize((o) => o.name.endsWith('ok/run-ok/status.json') && writes.push(JSON.parse(o.data.toString())));
    const { deps, asr } = capture();
    assert.equal(await main(env('ok'), deps), 0);
    stop();
    assert.ok(asr.calls.length >= 1);
    const m = lastFor('ok')!;
    assert.equal(m.status, 'succeeded');
    assert.equal(m.runId, 'run-ok');
    assert.equal(m.outputs?.prefix, 'gs://jdr-out/sessions/ok/run-ok/');
    assert.equal(m.outputs?.zip, 'gs://jdr-out/sessions/ok/run-ok/ok.zip');
    assert.ok((m.outputs?.zipBytes ?? 0) > 0);
    for (const f of ['transcript.md', 'transcript.srt', 'report.json']) assert.ok(m.outputs?.files.includes(`gs://jdr-out/sessions/ok/run-ok/${f}`), f);
    const { pcm } = await dialogueWav();
    assert.ok(Math.abs(m.stats!.audioSeconds - pcm.length / 16000) < 0.1);
    assert.ok(gcs.getObject('jdr-out', 'sessions/ok/run-ok/transcript.json'));

    assert.equal(writes[0]?.state, 'running');
    assert.equal(writes[0]?.stage, 'fetch');
    assert.ok(writes.some((w) => w.stage === 'asr'));
    const final = status('ok');
    assert.equal(final.state, 'succeeded');
    assert.deepEqual(final.completion, JSON.parse(JSON.stringify(m)));
    assert.deepEqual(final.timings.map((t: { stage: string }) => t.stage), ['fetch', 'decode', 'vad', 'chunk', 'asr', 'merge', 'glossary', 'render', 'archive', 'upload']);
  });

  it('exits 1 without a message on a transient failure, and publishes it only on the last attempt', async () => {
    const crash = new ScriptedAsr(new Error('whisper-cli was killed (SIGKILL)'));
    const first = capture(crash);
    assert.equal(await main(env('flaky', { CLOUD_RUN_TASK_ATTEMPT: '0' }), first.deps), 1);
    assert.equal(lastFor('flaky'), undefined);
    assert.equal(status('flaky').state, 'retrying');
    assert.equal(status('flaky').error.stage, 'asr');

    const last = capture(crash);
    assert.equal(await main(env('flaky', { CLOUD_RUN_TASK_ATTEMPT: '2' }), last.deps), 1);
    const m = lastFor('flaky')!;
    assert.equal(m.status, 'failed');
    assert.deepEqual(m.error, { stage: 'asr', message: 'whisper-cli was killed (SIGKILL)' });
    assert.equal(status('flaky').state, 'failed');
  });

  it('republishes a finished run after a failed publish instead of transcribing again', async () => {
    const failing: CompletionPublisher = { publish: async () => Promise.reject(new Error('Pub/Sub unavailable')), close: async () => undefined };
    const first = capture();
    assert.equal(await main(env('republish'), { ...first.deps, publisher: failing }), 1);
    assert.equal(lastFor('republish'), undefined);
    assert.equal(status('republish').state, 'succeeded');

    const retry = capture(new ScriptedAsr(new Error('must not run')));
    assert.equal(await main(env('republish', { CLOUD_RUN_TASK_ATTEMPT: '1' }), retry.deps), 0);
    assert.equal(lastFor('republish')?.status, 'succeeded');
    assert.equal(retry.asr.calls.length, 0);
    // Another task of the run, retried after the run succeeded, leaves without a word: one message is enough.
    const sent = messages().filter((m) => m.session === 'republish').length;
    const other = capture(new ScriptedAsr(new Error('must not run')));
    assert.equal(await main(env('republish', { CLOUD_RUN_TASK_INDEX: '1', CLOUD_RUN_TASK_COUNT: '2', CLOUD_RUN_TASK_ATTEMPT: '1' }), other.deps), 0);
    assert.equal(messages().filter((m) => m.session === 'republish').length, sent);
  });

  it('a second execution of the same run finds the claim and leaves without touching anything', async () => {
    const first = capture();
    assert.equal(await main(env('twice'), first.deps), 0);
    assert.equal(lastFor('twice')?.status, 'succeeded');
    const claim = JSON.parse(gcs.getObject('jdr-out', 'sessions/twice/run-twice/execution.json')!.data.toString());
    assert.equal(claim.execution, 'transcribe-twice-a');
    const before = snapshot('twice');
    const published = messages().length;

    const second = capture(new ScriptedAsr(new Error('must not run')));
    assert.equal(await main(env('twice', { CLOUD_RUN_EXECUTION: 'transcribe-twice-b' }), second.deps), 0);
    assert.equal(second.asr.calls.length, 0);
    assert.deepEqual(snapshot('twice'), before, 'no object written, replaced or removed');
    assert.equal(messages().length, published, 'no second completion message');
    assert.ok(second.lines.some((l) => /belongs to execution transcribe-twice-a/.test(l.message)));
  });

  it('two executions started together: exactly one transcribes and publishes', async () => {
    const a = capture();
    const b = capture();
    const published = messages().length;
    const codes = await Promise.all([main(env('race', { CLOUD_RUN_EXECUTION: 'race-a' }), a.deps), main(env('race', { CLOUD_RUN_EXECUTION: 'race-b' }), b.deps)]);
    assert.deepEqual(codes, [0, 0]);
    assert.equal(Math.min(a.asr.calls.length, b.asr.calls.length), 0, 'one of them did nothing');
    assert.equal(messages().filter((m) => m.session === 'race').length, 1);
    assert.equal(messages().length, published + 1);
  });

  it('a retried task of the owning execution goes on where the first attempt failed', async () => {
    const crashed = capture(new ScriptedAsr(new Error('whisper-cli was killed (SIGKILL)')));
    assert.equal(await main(env('retried', { CLOUD_RUN_TASK_ATTEMPT: '0' }), crashed.deps), 1);
    const retry = capture();
    assert.equal(await main(env('retried', { CLOUD_RUN_TASK_ATTEMPT: '1' }), retry.deps), 0);
    assert.ok(retry.asr.calls.length >= 1, 'the retry transcribed');
    assert.equal(lastFor('retried')?.status, 'succeeded');
  });

  it('a session without speech succeeds with an empty transcript, and the message says so for the email', async () => {
    const { deps, asr } = capture();
    assert.equal(await main(env('quiet'), { ...deps, engines: async () => ({ asr, vad: await SileroVad.create() }) }), 0);
    assert.equal(asr.calls.length, 0);
    const m = lastFor('quiet')!;
    assert.equal(m.status, 'succeeded');
    assert.equal(m.stats?.speechSeconds, 0);
    assert.ok(m.warnings.some((w) => /No speech was found/.test(w)), JSON.stringify(m.warnings));
  });

  it('any task can plan: task 1 of 3, first to start, plans, transcribes every chunk and finishes the run', async () => {
    const { deps, asr } = capture();
    assert.equal(await main(env('ok', { CLOUD_RUN_TASK_INDEX: '1', CLOUD_RUN_TASK_COUNT: '3', RUN_ID: 'other' }), deps), 0);
    assert.ok(asr.calls.length > 0);
    assert.equal(lastFor('ok')?.status, 'succeeded');
  });

  it('builds the real engines by default: a missing model is a configuration failure, emailed', async () => {
    const lines: string[] = [];
    const code = await main(env('nomodel', { WHISPER_MODEL_DIR: join(scratchDir(), 'no-models') }), { log: createLogger({ json: true, write: (l) => lines.push(l) }) });
    assert.equal(code, 2);
    assert.match(lastFor('nomodel')!.error!.message, /Whisper model not found/);
  });

  it('runs whisper.cpp itself when given a model (random-weight tiny model)', async () => {
    const model = join(scratchDir(), 'main-tiny.bin');
    await writeGgmlModel(model, TINY_DIMS, { seed: 3 });
    const code = await main(env('real', { WHISPER_MODEL_PATH: model }), { log: createLogger({ json: true, write: () => undefined }) });
    assert.equal(code, 0);
    assert.equal(lastFor('real')?.status, 'succeeded');
  });

  it('reads attempts against MAX_RETRIES', () => {
    const base = { COMPLETION_TOPIC: TOPIC };
    assert.equal(parseCloudJobConfig(base).isLastAttempt, false);
    assert.equal(parseCloudJobConfig({ ...base, CLOUD_RUN_TASK_ATTEMPT: '3' }).isLastAttempt, true);
    assert.equal(parseCloudJobConfig({ ...base, MAX_RETRIES: '0' }).isLastAttempt, true);
    assert.throws(() => parseCloudJobConfig({ COMPLETION_TOPIC: 'completions' }), ConfigError);
  });
});
