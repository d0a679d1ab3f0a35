import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseJobConfig } from '../../lib/config/job.js';
import { handleSessionReady, jobEnv, overrideProblems, STORAGE_FINALIZED, type JobLauncher, type TriggerDeps } from '../../functions/trigger-core.js';
import { aliasBomb } from '../support/bombs.js';
import { TEST_TRIGGER_CONFIG } from '../support/function-configs.js';
import type { TriggerConfig } from '../../lib/config/trigger.js';
import { parseCompletionMessage, type CompletionInput } from '../../lib/contracts/completion.js';
import { memoryLogger } from '../../lib/log.js';
import { FileStore } from '../../lib/storage/index.js';

const root = mkdtempSync(join(tmpdir(), 'jdr-trigger-'));
after(() => rmSync(root, { recursive: true, force: true }));

const config: TriggerConfig = TEST_TRIGGER_CONFIG;

/** A launcher double that records runs and can be told to fail the next one. */
class RecordingLauncher implements JobLauncher {
  runs: Array<{ env: Record<string, string>; taskCount?: number }> = [];
  failNext: Error | undefined;
  async run(request: { env: Record<string, string>; taskCount?: number }) {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
    this.runs.push(request);
    return `${config.jobName}/executions/x-${this.runs.length}`;
  }
}

function setup(overrides: Partial<TriggerConfig> = {}) {
  const dir = mkdtempSync(join(root, 'case-'));
  const bucket = (name: string) => new FileStore(join(dir, name));
  const published: CompletionInput[] = [];
  const launcher = new RecordingLauncher();
  const log = memoryLogger();
  let publishFails = false;
  const deps: TriggerDeps = {
    config: { ...config, ...overrides },
    openBucket: bucket,
    publish: async (m) => {
      if (publishFails) throw new Error('Pub/Sub unavailable');
      published.push(m);
      return String(published.length);
    },
    launcher,
    log,
    now: () => new Date('2024-05-12T20:00:00Z'),
  };
  const put = (key: string, text: string) => bucket('in').write(key, text);
  const event = async (name: string, type = STORAGE_FINALIZED, bucketName = 'in') => {
    const info = await bucket(bucketName).stat(name);
    return { type, data: { bucket: bucketName, name, generation: info?.generation ?? '1', size: String(info?.size ?? 0) } };
  };
  return { deps, put, event, published, launcher, log, bucket, failPublish: (v: boolean) => (publishFails = v) };
}

describe('trigger core', () => {
  it('starts one job with the session overrides and records the execution in the claim', async () => {
    const t = setup({ maxParallelTasks: 2 });
    await t.put('sessions/s1/a.m4a', 'audio');
    await t.put('sessions/s1/context/context.yaml', 'glossary: {places: [Port-Sombre]}');
    await t.put('sessions/s1/_READY', 'recipients: [alice@club.example, bob@club.example]\nlanguages: [fr, en]\nmodel: large-v3\nmin_speakers: 3\nmax_speakers: 5');
    const event = await t.event('sessions/s1/_READY');
    const outcome = await handleSessionReady(event, t.deps);
    assert.equal(outcome.action, 'started');
    assert.equal(t.launcher.runs.length, 1);
    const { env, taskCount } = t.launcher.runs[0]!;
    assert.equal(taskCount, 2);
    const runId = outcome.action === 'started' ? outcome.runId : '';
    assert.deepEqual(env, {
      INPUT_PREFIX: t.bucket('in').uriOf('sessions/s1') + '/',
      OUTPUT_BUCKET: 'out',
      OUTPUT_PREFIX: 'sessions/s1',
      RUN_ID: runId,
      EMAIL_TO: 'alice@club.example,bob@club.example',
      CONTEXT_GCS_URI: t.bucket('in').uriOf('sessions/s1/context/context.yaml'),
      PRIMARY_LANG: 'fr',
      SECONDARY_LANG: 'en',
      MULTILANG: 'true',
      WHISPER_MODEL_SIZE: 'large-v3',
      MIN_SPEAKERS: '3',
      MAX_SPEAKERS: '5',
    });
    const claim = JSON.parse((await t.bucket('out').read(`sessions/s1/runs/${event.data.generation}.json`)).toString());
    assert.equal(claim.execution, `${config.jobName}/executions/x-1`);
    assert.equal(claim.runId, runId);

    assert.equal((await handleSessionReady(event, t.deps)).action, 'duplicate');
    assert.equal(t.launcher.runs.length, 1);
    assert.equal(t.published.length, 0);
  });

  it('gives a redelivered refusal the same run id, so the mailer sends one email', async () => {
    const t = setup();
    await t.put('sessions/s1/_READY', '');
    const event = await t.event('sessions/s1/_READY');
    await handleSessionReady(event, t.deps);
    await handleSessionReady(event, t.deps);
    assert.equal(t.published.length, 2);
    assert.equal(t.published[0]!.runId, t.published[1]!.runId);
  });

  for (const [name, code] of [['UNAVAILABLE', 14], ['DEADLINE_EXCEEDED', 4], ['RESOURCE_EXHAUSTED', 8], ['a network error', undefined]] as const) {
    it(`releases the claim and throws on a transient Run API error (${name}), so the redelivery can start the job`, async () => {
      const t = setup();
      await t.put('sessions/s1/a.m4a', 'audio');
      await t.put('sessions/s1/_READY', '');
      const event = await t.event('sessions/s1/_READY');
      t.launcher.failNext = Object.assign(new Error(`${code ?? ''} ${name}: try later`), code === undefined ? { code: 'ECONNRESET' } : { code });
      await assert.rejects(handleSessionReady(event, t.deps), /Starting projects\/p\/locations\/r\/jobs\/transcribe for session s1 failed, will be retried/);
      assert.equal(await t.bucket('out').stat(`sessions/s1/runs/${event.data.generation}.json`), undefined);
      assert.equal(t.published.length, 0, 'no email for a hiccup');
      assert.equal((await handleSessionReady(event, t.deps)).action, 'started');
      assert.equal(t.launcher.runs.length, 1);
    });
  }

  for (const [name, code, says] of [
    ['PERMISSION_DENIED', 7, /lacks roles\/run\.jobsExecutorWithOverrides on the job/],
    ['NOT_FOUND', 5, /The Cloud Run job projects\/p\/locations\/r\/jobs\/transcribe does not exist.*make deploy/],
    ['INVALID_ARGUMENT', 3, /Cloud Run refused the settings this session starts/],
    ['UNAUTHENTICATED', 16, /lacks roles\/run\.jobsExecutorWithOverrides/],
    ['FAILED_PRECONDITION', 9, /Cloud Run cannot start .*FAILED_PRECONDITION/],
  ] as const) {
    it(`a permanent Run API error (${name}) sends a failure email saying what to fix, and stops`, async () => {
      const t = setup();
      await t.put('sessions/s1/a.m4a', 'audio');
      await t.put('sessions/s1/_READY', 'recipients: [alice@club.example]');
      const event = await t.event('sessions/s1/_READY');
      t.launcher.failNext = Object.assign(new Error(`${code} ${name}: refused by the test`), { code });
      const outcome = await handleSessionReady(event, t.deps);
      assert.equal(outcome.action, 'failed');
      assert.equal(t.published.length, 1);
      const message = parseCompletionMessage(t.published[0]);
      assert.equal(message.error?.stage, 'config', 'the advice is to forward it to whoever runs the service');
      assert.match(message.error!.message, says);
      assert.deepEqual(message.recipients, ['alice@club.example']);
      const claim = JSON.parse((await t.bucket('out').read(`sessions/s1/runs/${event.data.generation}.json`)).toString());
      assert.match(claim.failed, says);
      assert.equal((await handleSessionReady(event, t.deps)).action, 'duplicate', 'a redelivery does nothing');
      assert.equal(t.published.length, 1);
    });
  }

  it('checks the overrides against Cloud Run before the call: an env value is at most 32,768 bytes', () => {
    assert.deepEqual(overrideProblems({ RUN_ID: 'r', INPUT_PREFIX: 'gs://in/sessions/s/' }), []);
    const [problem] = overrideProblems({ EMAIL_TO: Array.from({ length: 5000 }, (_, i) => `p${i}@club.example`).join(',') });
    assert.match(problem!, /^recipients: the list is too long for Cloud Run \(\d+ bytes, at most 32768\); name fewer recipients/);
    assert.equal(overrideProblems({ X: 'x'.repeat(32_768) }).length, 0);
    assert.equal(overrideProblems({ X: 'é'.repeat(16_385) }).length, 1, 'counted in bytes, not characters');
  });

  it('names the session in composed Unicode and reads the folder as written ("Séance 12" from macOS)', async () => {
    const t = setup();
    const folder = 'sessions/Se\u0301ance 12';
    await t.put(`${folder}/a.m4a`, 'audio');
    await t.put(`${folder}/_READY`, '');
    const outcome = await handleSessionReady(await t.event(`${folder}/_READY`), t.deps);
    assert.equal(outcome.action, 'started', JSON.stringify(outcome));
    const env = t.launcher.runs[0]!.env;
    assert.equal(env.OUTPUT_PREFIX, 'sessions/Séance 12');
    // The recordings are read where they are: under the decomposed folder name.
    assert.ok(decodeURI(env.INPUT_PREFIX!).endsWith('/in/sessions/Se\u0301ance 12/'), env.INPUT_PREFIX);
    assert.equal(outcome.action === 'started' && outcome.session, 'Séance 12');
  });

  it('reads at most 256 KB of _READY: a 50 MB marker is refused naming the limit, with a refusal email', async () => {
    const t = setup();
    await t.put('sessions/s1/a.m4a', 'audio');
    await t.bucket('in').write('sessions/s1/_READY', Buffer.alloc(50 * 1024 * 1024, 'files: []\n'));
    const reads: Array<{ key: string; bytes: number }> = [];
    const counting = (name: string) => {
      const store = t.bucket(name);
      const child = store.child.bind(store);
      return Object.assign(store, {
        child: (prefix: string) => {
          const c = child(prefix);
          const read = c.read.bind(c);
          return Object.assign(c, { read: async (key: string, options?: { maxBytes?: number }) => { const b = await read(key, options); reads.push({ key, bytes: b.length }); return b; } });
        },
      });
    };
    const outcome = await handleSessionReady(await t.event('sessions/s1/_READY'), { ...t.deps, openBucket: counting });
    assert.equal(outcome.action, 'refused');
    assert.match(parseCompletionMessage(t.published[0]).error!.message, /_READY is larger than 256 KB/);
    assert.deepEqual(reads, [{ key: '_READY', bytes: 256 * 1024 + 1 }], 'one byte over the limit was read, not 50 MB');
  });

  it('starts a session whose context.yaml is an alias bomb or full of built-in keys, warning about it', async () => {
    for (const context of [aliasBomb(28 * 1024, { aliases: 90 }), 'constructor: 1\ntoString: 2\n__proto__: 3\nhasOwnProperty: 4\n']) {
      const t = setup();
      await t.put('sessions/s1/a.m4a', 'audio');
      await t.put('sessions/s1/context/context.yaml', context);
      await t.put('sessions/s1/_READY', 'constructor: 1\n__proto__: 2\n');
      const outcome = await handleSessionReady(await t.event('sessions/s1/_READY'), t.deps);
      assert.equal(outcome.action, 'started', JSON.stringify(outcome));
      assert.ok(t.log.lines.some((l) => l.severity === 'WARNING' && /context\.yaml/.test(l.message)), 'the context problem is logged');
      assert.ok(t.log.lines.some((l) => /unknown field "constructor"/.test(l.message)));
    }
  });

  it('lists at most 20 problems in a refusal, then how many more', async () => {
    const t = setup();
    await t.put('sessions/s1/a.m4a', 'audio');
    await t.put('sessions/s1/_READY', `files: [${Array.from({ length: 300 }, (_, i) => `{name: missing-${i}.m4a}`).join(', ')}]`);
    const outcome = await handleSessionReady(await t.event('sessions/s1/_READY'), t.deps);
    assert.equal(outcome.action, 'refused');
    const lines = parseCompletionMessage(t.published[0]).error!.message.split('\n');
    assert.equal(lines.length, 21);
    assert.equal(lines[20], '… and 280 more problems of the same kind');
  });

  it('passes vad_threshold on to the job', async () => {
    const t = setup();
    await t.put('sessions/s1/a.m4a', 'audio');
    await t.put('sessions/s1/_READY', 'vad_threshold: 0.3');
    await handleSessionReady(await t.event('sessions/s1/_READY'), t.deps);
    assert.equal(t.launcher.runs[0]!.env.VAD_THRESHOLD, '0.3');
  });

  it('passes vad_faint_db on to the job (a player far from the phone), and refuses one out of range', async () => {
    const t = setup();
    await t.put('sessions/s1/a.m4a', 'audio');
    await t.put('sessions/s1/_READY', 'vad_faint_db: 40');
    await handleSessionReady(await t.event('sessions/s1/_READY'), t.deps);
    assert.equal(t.launcher.runs[0]!.env.VAD_FAINT_DB, '40');
    const u = setup();
    await u.put('sessions/s1/a.m4a', 'audio');
    await u.put('sessions/s1/_READY', 'vad_faint_db: 5');
    const outcome = await handleSessionReady(await u.event('sessions/s1/_READY'), u.deps);
    assert.equal(outcome.action, 'refused');
    assert.equal(u.launcher.runs.length, 0);
  });

  it('refuses a faulty session with a failure message to the allowed recipients, and starts nothing', async () => {
    const t = setup();
    await t.put('sessions/s1/a.m4a', 'audio');
    await t.put('sessions/s1/_READY', 'recipients: [alice@club.example, eve@evil.example]\nfiles: [{name: b.m4a}]');
    const outcome = await handleSessionReady(await t.event('sessions/s1/_READY'), t.deps);
    assert.equal(outcome.action, 'refused');
    assert.equal(t.launcher.runs.length, 0);
    assert.equal(t.published.length, 1);
    const message = parseCompletionMessage(t.published[0]);
    assert.equal(message.status, 'failed');
    assert.equal(message.error?.stage, 'trigger');
    assert.match(message.error!.message, /eve@evil\.example[\s\S]*b\.m4a is listed/);
    assert.deepEqual(message.recipients, ['alice@club.example']);
    assert.equal(message.finishedAt, '2024-05-12T20:00:00.000Z');
    assert.deepEqual(await t.bucket('out').list(), [], 'no claim for a refused session');
  });

  it('throws when the failure message cannot be published (Eventarc redelivers)', async () => {
    const t = setup();
    await t.put('sessions/s1/_READY', '');
    t.failPublish(true);
    await assert.rejects(handleSessionReady(await t.event('sessions/s1/_READY'), t.deps), /Pub\/Sub unavailable/);
  });

  it('refuses a session folder named with unusable characters, but only logs "." and ".."', async () => {
    const t = setup();
    await t.put('sessions/a$b/_READY', '');
    const outcome = await handleSessionReady(await t.event('sessions/a$b/_READY'), t.deps);
    assert.equal(outcome.action, 'refused');
    assert.match(parseCompletionMessage(t.published[0]).error!.message, /"a\$b" is not a usable session name/);
    const dots = await handleSessionReady({ type: STORAGE_FINALIZED, data: { bucket: 'in', name: 'sessions/../_READY', generation: '5' } }, t.deps);
    assert.equal(dots.action, 'ignored');
    assert.equal(t.published.length, 1);
  });

  const ignoredCases: Array<[string, { type?: string; data?: unknown }, RegExp]> = [
    ['another event type', { type: 'google.cloud.storage.object.v1.deleted', data: { bucket: 'in', name: 'sessions/s1/_READY', generation: '1' } }, /is not google\.cloud\.storage\.object\.v1\.finalized/],
    ['a malformed payload', { type: STORAGE_FINALIZED, data: { bucket: 'in', name: 'sessions/s1/_READY', generation: 'abc' } }, /not a storage object event: generation/],
    ['no payload', { type: STORAGE_FINALIZED }, /not a storage object event/],
    ['another bucket', { type: STORAGE_FINALIZED, data: { bucket: 'elsewhere', name: 'sessions/s1/_READY', generation: '1' } }, /not in the input bucket in/],
    ['a recording', { type: STORAGE_FINALIZED, data: { bucket: 'in', name: 'sessions/s1/a.m4a', generation: '1' } }, /is not a sessions\/<name>\/_READY marker/],
    ['a nested marker', { type: STORAGE_FINALIZED, data: { bucket: 'in', name: 'sessions/s1/sub/_READY', generation: '1' } }, /is not a sessions\/<name>\/_READY marker/],
    ['a marker deleted since', { type: STORAGE_FINALIZED, data: { bucket: 'in', name: 'sessions/gone/_READY', generation: 1 } }, /no longer exists/],
  ];
  for (const [name, event, reason] of ignoredCases) {
    it(`ignores ${name} with a log line, not an error`, async () => {
      const t = setup();
      const outcome = await handleSessionReady(event, t.deps);
      assert.equal(outcome.action, 'ignored');
      assert.match(outcome.action === 'ignored' ? outcome.reason : '', reason);
      assert.ok(t.log.lines.some((l) => reason.test(l.message)));
      assert.equal(t.launcher.runs.length + t.published.length, 0);
    });
  }

  it('ignores the event of a replaced _READY: the newer event starts the run', async () => {
    const t = setup();
    await t.put('sessions/s1/a.m4a', 'audio');
    await t.put('sessions/s1/_READY', '');
    const old = await t.event('sessions/s1/_READY');
    await t.put('sessions/s1/_READY', 'languages: [en]');
    const stale = { ...old, data: { ...old.data, generation: String(BigInt(old.data.generation) - 1n) } };
    const outcome = await handleSessionReady(stale, t.deps);
    assert.equal(outcome.action, 'ignored');
    assert.match(outcome.action === 'ignored' ? outcome.reason : '', /was replaced/);
  });

  it('maps languages onto the job variables, warning about more than two', () => {
    const log = memoryLogger();
    const store = new FileStore(root);
    const env = jobEnv(
      { manifest: { recipients: [], files: [], mode: 'mixed', languages: ['en', 'fr', 'de'] }, recipients: [], contextKey: undefined, audio: [], warnings: [] },
      { input: store, outputBucket: 'out', session: 's', runId: 'r' },
      log,
    );
    assert.equal(env.PRIMARY_LANG, 'en');
    assert.equal(env.SECONDARY_LANG, 'fr');
    assert.equal(env.MULTILANG, 'true');
    assert.equal(env.EMAIL_TO, undefined);
    assert.match(log.lines[0]!.message, /de ignored/);
    const single = jobEnv({ manifest: { recipients: [], files: [], languages: ['fr'] }, recipients: [], contextKey: undefined, audio: [], warnings: [] }, { input: store, outputBucket: 'out', session: 's', runId: 'r' }, log);
    assert.equal(single.MULTILANG, 'false');
    assert.equal(single.SECONDARY_LANG, undefined);
    assert.equal(single.MODE, undefined, 'no mode in _READY: the job decides from the files');
  });

  it('passes the mode and the files\' offsets to the job', () => {
    const log = memoryLogger();
    const env = jobEnv(
      {
        manifest: { recipients: [], files: [{ name: 'tascam.wav', offset: 1.5 }, { name: 'zoom.m4a' }, { name: 'phone.m4a', offset: 0 }], mode: 'multitrack' },
        recipients: [],
        contextKey: undefined,
        audio: [],
        warnings: [],
      },
      { input: new FileStore(root), outputBucket: 'out', session: 's', runId: 'r' },
      log,
    );
    assert.equal(env.MODE, 'multitrack');
    assert.deepEqual(JSON.parse(env.TRACK_OFFSETS!), { 'tascam.wav': 1.5, 'phone.m4a': 0 });
    assert.deepEqual(parseJobConfig({ ...env }).trackOffsets, { 'tascam.wav': 1.5, 'phone.m4a': 0 });
  });

  it("passes the session's word on the recap, which wins over the deployment's", () => {
    const env = (recap: boolean | undefined) =>
      jobEnv({ manifest: { recipients: [], files: [], recap }, recipients: [], contextKey: undefined, audio: [], warnings: [] }, { input: new FileStore(root), outputBucket: 'out', session: 's', runId: 'r' }, memoryLogger());
    assert.equal(env(true).RECAP, 'vertex');
    assert.equal(env(false).RECAP, 'off');
    assert.equal('RECAP' in env(undefined), false, 'unsaid: the deployment decides');
    const deployed = { INPUT_PREFIX: 'gs://in/sessions/s/', RECAP: 'vertex', RECAP_PROJECT: 'my-project-1' };
    assert.equal(parseJobConfig({ ...deployed, ...env(false) }).recap.backend, 'off');
    assert.equal(parseJobConfig({ ...deployed, RECAP: 'off', ...env(true) }).recap.backend, 'vertex');
  });
});
