/**
 * Parallel tasks over the real protocols on loopback: the trigger asks Cloud Run for N tasks, and the job runs as N
 * processes started together (CLOUD_RUN_TASK_INDEX 0…N−1), sharing the run's work/ folder in the GCS server; then
 * Pub/Sub and the mailer. Tasks are killed where it hurts (during a chunk's ASR, during the plan) and started again
 * as Cloud Run would (next attempt). Only speech recognition is a test double (one line per stretch of speech).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import JSZip from 'jszip';
import { envOverrides } from './run-server.js';
import { INPUT_BUCKET, OUTPUT_BUCKET, pubsubEvent, serve, startCloud, storageEvent, TOPIC, type Cloud, type ServedFunction } from '../support/cloud.js';
import { wavBytes } from '../support/espeak.js';
import { scratchDir } from '../support/fixtures.js';
import { rpgSession } from '../support/rpg-session.js';

let cloud: Cloud;
let trigger: ServedFunction;
let mailer: ServedFunction;
let wav: Buffer;
const TASK = join(import.meta.dirname, '../support/task-process.ts');

before(async () => {
  cloud = await startCloud();
  Object.assign(process.env, cloud.functionsEnv);
  await import('../../functions/index.js');
  trigger = await serve(getTestServer('onSessionReady'));
  mailer = await serve(getTestServer('onTranscriptReady'));
  // About 8 minutes of speech: enough for four chunks of at least two minutes.
  const session = await rpgSession({ seed: 4, seconds: 600, pauses: [0.3, 0.6] });
  wav = Buffer.from(wavBytes(session.pcm));
});

/** Every task process started, so that none outlives a failed test. */
const children = new Set<ChildProcess>();

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await trigger?.close();
  await mailer?.close();
  await cloud?.close();
});

interface Started {
  env: Record<string, string>;
  tasks: number;
  execution: string;
}

/** Uploads the session and its _READY, posts the event to the trigger, and returns what it asked Cloud Run for. */
async function start(session: string, tasks: number): Promise<Started> {
  cloud.gcs.putObject(INPUT_BUCKET, `sessions/${session}/partie.wav`, wav);
  cloud.gcs.putObject(INPUT_BUCKET, `sessions/${session}/_READY`, `recipients: [alice@club.example]\ntasks: ${tasks}\n`);
  const before = cloud.run.requests.length;
  const res = await trigger.post(storageEvent(cloud.gcs.getObject(INPUT_BUCKET, `sessions/${session}/_READY`)!));
  assert.ok(res.status < 300, res.body);
  const request = cloud.run.requests[before]!;
  assert.equal(request.overrides.taskCount, tasks, 'the trigger asks for the tasks _READY names');
  return { env: envOverrides(request), tasks: request.overrides.taskCount!, execution: request.executionName!.split('/').pop()! };
}

interface Task {
  index: number;
  child: ChildProcess;
  exit: Promise<number | null>;
}

/** One task process, as Cloud Run starts it. */
function task(run: Started, index: number, options: { attempt?: number; execution?: string; hang?: 'asr' | 'vad'; calls: string; marker?: string; chunk?: string; asrDelayMs?: number }): Task {
  const env = {
    ...process.env,
    ...cloud.jobEnv(run.env, {
      CLOUD_RUN_TASK_INDEX: String(index),
      CLOUD_RUN_TASK_COUNT: String(run.tasks),
      CLOUD_RUN_TASK_ATTEMPT: String(options.attempt ?? 0),
      CLOUD_RUN_EXECUTION: options.execution ?? run.execution,
      TEST_CALLS_LOG: options.calls,
      ...(options.asrDelayMs ? { TEST_ASR_DELAY_MS: String(options.asrDelayMs) } : {}),
      ...(options.hang ? { TEST_HANG: options.hang, TEST_HANG_MARKER: options.marker!, TEST_HANG_CHUNK: options.chunk ?? '' } : {}),
    }),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', TASK], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`task ${index} exited ${code}:\n${stderr}\n`);
      resolve(code);
    }),
  );
  return { index, child, exit };
}

async function waitForFile(path: string, timeoutMs = 120_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    assert.ok(Date.now() < until, `${path} never appeared`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return readFileSync(path, 'utf8');
}

/** Every ASR call made for a run: "<task> <attempt> <chunk>". */
function calls(path: string): Array<{ task: number; attempt: number; chunk: string }> {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [t, a, c] = l.split(' ');
      return { task: Number(t), attempt: Number(a), chunk: c! };
    });
}

/** The completion messages of one run, each sent through the mailer; the emails that came out. */
async function deliver(runId: string) {
  const messages = cloud.pubsub.published(TOPIC).filter((m) => JSON.parse(m.data.toString()).runId === runId);
  const sent = cloud.smtp.messages.length;
  for (const m of messages) {
    const res = await mailer.post(pubsubEvent(m));
    assert.ok(res.status < 300, res.body);
  }
  if (messages.length > 0) await cloud.smtp.waitForMessages(sent + 1, 10_000);
  return { messages: messages.map((m) => JSON.parse(m.data.toString())), mails: cloud.smtp.messages.slice(sent) };
}

async function transcriptOf(mail: { attachments: Array<{ content: Buffer }> }, session: string) {
  const zip = await JSZip.loadAsync(mail.attachments[0]!.content);
  return JSON.parse(await zip.file(`${session}/transcript.json`)!.async('string')) as { segments: Array<{ start: number; end: number; text: string; speaker?: string }> };
}

const outputKeys = (session: string, runId: string) =>
  cloud.gcs
    .objects(OUTPUT_BUCKET)
    .map((o) => o.name)
    .filter((n) => n.startsWith(`sessions/${session}/${runId}/`))
    .map((n) => n.slice(`sessions/${session}/${runId}/`.length));

function workDoc<T>(session: string, runId: string, key: string): T {
  return JSON.parse(cloud.gcs.getObject(OUTPUT_BUCKET, `sessions/${session}/${runId}/work/${key}`)!.data.toString()) as T;
}

/**
 * The same transcript up to what the ASR double makes up: it numbers its lines within each chunk ("mot12.0"), so the
 * numbers are dropped; times agree within its 20 ms frame (each chunk starts its own frame grid).
 */
function assertSameTranscript(a: Awaited<ReturnType<typeof transcriptOf>>, b: Awaited<ReturnType<typeof transcriptOf>>) {
  assert.equal(a.segments.length, b.segments.length, 'as many lines');
  a.segments.forEach((s, i) => {
    const t = b.segments[i]!;
    assert.equal(s.speaker, t.speaker, `line ${i}: speaker`);
    assert.equal(s.text.replace(/\d+\./g, ''), t.text.replace(/\d+\./g, ''), `line ${i}: text`);
    assert.ok(Math.abs(s.start - t.start) <= 0.041 && Math.abs(s.end - t.end) <= 0.041, `line ${i}: ${s.start}–${s.end} vs ${t.start}–${t.end}`);
  });
}

/** A task waiting for work that never comes would wait for hours (its Cloud Run timeout): a test gives up first. */
const TEST_TIMEOUT_MS = 240_000;

let reference: Awaited<ReturnType<typeof transcriptOf>> | undefined;

describe('parallel tasks on loopback', { concurrency: false }, () => {
  it('one task alone, then four tasks together: the same transcript, one completion message and one email each', { timeout: TEST_TIMEOUT_MS }, async () => {
    const one = await start('longue-1', 1);
    const callsOne = join(scratchDir(), 'calls-1.log');
    rmSync(callsOne, { force: true });
    assert.equal(await task(one, 0, { calls: callsOne }).exit, 0);
    const a = await deliver(one.env.RUN_ID!);
    assert.equal(a.messages.length, 1);
    assert.equal(a.mails.length, 1);
    assert.equal(a.messages[0].stats.tasks, undefined, 'one task: no task count in the message');
    const planOne = workDoc<{ units: unknown[]; taskCount: number }>('longue-1', one.env.RUN_ID!, 'plan.json');
    assert.equal(planOne.taskCount, 1);
    assert.equal(calls(callsOne).length, planOne.units.length);

    const four = await start('longue-4', 4);
    const callsFour = join(scratchDir(), 'calls-4.log');
    rmSync(callsFour, { force: true });
    // Each chunk takes 4 s: the tasks that get the plan a few seconds after the planner still find work.
    const tasks = [0, 1, 2, 3].map((i) => task(four, i, { calls: callsFour, asrDelayMs: 4000 }));
    assert.deepEqual(await Promise.all(tasks.map((t) => t.exit)), [0, 0, 0, 0]);
    const b = await deliver(four.env.RUN_ID!);
    assert.equal(b.messages.length, 1, 'exactly one completion message');
    assert.equal(b.mails.length, 1, 'exactly one email');
    assert.equal(b.messages[0].stats.tasks, 4);
    assert.match(b.mails[0]!.text ?? '', /4 tâches en parallèle/);
    const planFour = workDoc<{ units: Array<{ id: string; seconds: number }>; chunkSeconds: number }>('longue-4', four.env.RUN_ID!, 'plan.json');
    assert.ok(planFour.units.length >= 4, `${planFour.units.length} chunks for 4 tasks`);
    assert.ok(planFour.units.length > planOne.units.length, 'more, smaller chunks for more tasks');
    assert.ok(planFour.chunkSeconds >= 120, 'chunks of at least two minutes');
    const made = calls(callsFour);
    assert.deepEqual(made.map((c) => c.chunk).sort(), planFour.units.map((u) => u.id).sort(), 'every chunk transcribed once');
    assert.ok(new Set(made.map((c) => c.task)).size >= 2, `the work was shared: ${JSON.stringify(made)}`);
    // The chunk audio is gone once the run is done (the listening copy too, now beside the page); the status lists
    // every task.
    assert.deepEqual(outputKeys('longue-4', four.env.RUN_ID!).filter((k) => k.startsWith('work/audio/')), []);
    for (const run of [one, four]) {
      const keys = outputKeys(run === one ? 'longue-1' : 'longue-4', run.env.RUN_ID!);
      assert.ok(keys.includes('transcript.html') && keys.includes('audio.opus'), keys.join(', '));
    }
    const status = JSON.parse(cloud.gcs.getObject(OUTPUT_BUCKET, `sessions/longue-4/${four.env.RUN_ID}/status.json`)!.data.toString());
    assert.equal(status.state, 'succeeded');
    assert.deepEqual(status.tasks.map((t: { index: number }) => t.index), [0, 1, 2, 3]);
    assert.ok(status.tasks.every((t: { phase: string }) => t.phase === 'done'), JSON.stringify(status.tasks));

    reference = await transcriptOf(b.mails[0]!, 'longue-4');
    assertSameTranscript(await transcriptOf(a.mails[0]!, 'longue-1'), reference);

    // A second execution of the same run (the trigger's call timed out, its retry started another): nothing happens.
    const again = [0, 1, 2, 3].map((i) => task(four, i, { calls: callsFour, execution: 'transcribe-second' }));
    assert.deepEqual(await Promise.all(again.map((t) => t.exit)), [0, 0, 0, 0]);
    assert.equal(calls(callsFour).length, made.length, 'no ASR call');
    assert.equal(cloud.pubsub.published(TOPIC).filter((m) => JSON.parse(m.data.toString()).runId === four.env.RUN_ID).length, 1, 'still one completion message');
  });

  it('a task killed during a chunk and started again transcribes only that chunk again; one message, one email', { timeout: TEST_TIMEOUT_MS }, async () => {
    const run = await start('longue-kill', 4);
    const log = join(scratchDir(), 'calls-kill.log');
    const marker = join(scratchDir(), 'hang-kill');
    rmSync(log, { force: true });
    rmSync(marker, { force: true });
    // Whichever task claims chunk-0001 hangs on it; the test kills that task there.
    const tasks = [0, 1, 2, 3].map((i) => task(run, i, { calls: log, hang: 'asr', marker, chunk: 'chunk-0001' }));
    const killed = Number((await waitForFile(marker)).split(' ')[0]);
    const hungOn = 'chunk-0001';
    assert.ok(calls(log).some((c) => c.task === killed && c.chunk === hungOn));
    tasks[killed]!.child.kill('SIGKILL');
    // The others transcribe the rest and leave: the killed task's chunk is still missing.
    assert.deepEqual(await Promise.all(tasks.filter((t) => t.index !== killed).map((t) => t.exit)), [0, 0, 0]);
    assert.equal(cloud.pubsub.published(TOPIC).filter((m) => JSON.parse(m.data.toString()).runId === run.env.RUN_ID).length, 0, 'not finished yet');
    const before = calls(log).length;
    assert.equal(await task(run, killed, { calls: log, attempt: 1 }).exit, 0);
    const retried = calls(log).slice(before);
    assert.deepEqual(retried, [{ task: killed, attempt: 1, chunk: hungOn }], 'the retry transcribed only the chunk it was on');
    const plan = workDoc<{ units: unknown[] }>('longue-kill', run.env.RUN_ID!, 'plan.json');
    assert.equal(calls(log).length, plan.units.length + 1, 'one chunk transcribed twice, no other');
    const d = await deliver(run.env.RUN_ID!);
    assert.equal(d.messages.length, 1);
    assert.equal(d.mails.length, 1);
    if (reference) assertSameTranscript(await transcriptOf(d.mails[0]!, 'longue-kill'), reference);
  });

  it('the planner killed mid-plan and started again: the waiting tasks go on; one message, one email', { timeout: TEST_TIMEOUT_MS }, async () => {
    const run = await start('longue-plan', 4);
    const log = join(scratchDir(), 'calls-plan.log');
    const marker = join(scratchDir(), 'hang-plan');
    rmSync(log, { force: true });
    rmSync(marker, { force: true });
    const tasks = [0, 1, 2, 3].map((i) => task(run, i, { calls: log, hang: 'vad', marker }));
    const planner = Number((await waitForFile(marker)).split(' ')[0]);
    tasks[planner]!.child.kill('SIGKILL');
    assert.equal(calls(log).length, 0, 'nothing transcribed before the plan');
    const retry = task(run, planner, { calls: log, attempt: 1 });
    const codes = await Promise.all([...tasks.filter((t) => t.index !== planner).map((t) => t.exit), retry.exit]);
    assert.deepEqual(codes, [0, 0, 0, 0]);
    const claim = workDoc<{ task: number; attempt: number }>('longue-plan', run.env.RUN_ID!, 'plan.claim.json');
    assert.equal(claim.task, planner, 'the plan stayed with its task');
    const plan = workDoc<{ units: unknown[] }>('longue-plan', run.env.RUN_ID!, 'plan.json');
    assert.equal(calls(log).length, plan.units.length, 'every chunk transcribed once');
    const d = await deliver(run.env.RUN_ID!);
    assert.equal(d.messages.length, 1);
    assert.equal(d.mails.length, 1);
    if (reference) assertSameTranscript(await transcriptOf(d.mails[0]!, 'longue-plan'), reference);
  });

  it('bad input: the planner reports it once, the waiting tasks leave without a word', { timeout: TEST_TIMEOUT_MS }, async () => {
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/longue-casse/partie.m4a', Buffer.from('not audio at all'));
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/longue-casse/_READY', 'recipients: [alice@club.example]\ntasks: 3\n');
    const before = cloud.run.requests.length;
    const res = await trigger.post(storageEvent(cloud.gcs.getObject(INPUT_BUCKET, 'sessions/longue-casse/_READY')!));
    assert.ok(res.status < 300, res.body);
    const request = cloud.run.requests[before]!;
    const run = { env: envOverrides(request), tasks: 3, execution: request.executionName!.split('/').pop()! };
    const log = join(scratchDir(), 'calls-casse.log');
    writeFileSync(log, '');
    const codes = await Promise.all([0, 1, 2].map((i) => task(run, i, { calls: log }).exit));
    assert.deepEqual(codes, [0, 0, 0]);
    const d = await deliver(run.env.RUN_ID!);
    assert.equal(d.messages.length, 1, 'one failure message');
    assert.equal(d.messages[0].status, 'failed');
    assert.equal(calls(log).length, 0);
  });
});
