/**
 * The cloud flow over real protocols on loopback, with the real client libraries: upload → `_READY` → trigger
 * function (HTTP, binary CloudEvent) → Cloud Run Admin API → job main (run here with the overrides the trigger sent)
 * → Pub/Sub → mailer function → SMTP. Only speech recognition is a test double (test/support/scripted-asr.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import JSZip from 'jszip';
import { COMPLETION_VERSION } from '../../lib/contracts/completion.js';
import { completionPublisher, createPubSubClient } from '../../lib/pubsub.js';
import { GcsStore } from '../../lib/storage/index.js';
import { main } from '../../job/main.js';
import { silentProgress } from '../../job/progress.js';
import { SileroVad } from '../../job/engines/silero-vad.js';
import { SpectralEmbedder } from '../../job/engines/embedder-spectral.js';
import { uploadSession } from '../../cli/upload.js';
import { envOverrides } from './run-server.js';
import { GROUP, INPUT_BUCKET, OUTPUT_BUCKET, PROJECT, pubsubEvent, serve, SMTP_CREDENTIALS, startCloud, storageEvent, TOPIC, type Cloud, type ServedFunction } from '../support/cloud.js';
import { writeDemoSession } from '../support/demo-session.js';
import { scratchDir } from '../support/fixtures.js';
import { ScriptedAsr, SpeechIslandsAsr } from '../support/scripted-asr.js';
import { segmentNameAccuracy } from '../support/der.js';
import { craigInfo, multitrackSession, writeTracks } from '../support/multitrack-session.js';
import { createRecapModel } from '../../job/engines/create.js';
import type { JobConfig } from '../../lib/config/job.js';
import { startVertexServer, VERTEX_PATH, vertexError, type LlmServer } from './llm-servers.js';
import { loopbackGoogleAuth } from '../support/loopback-auth.js';
import { chromiumPath, openBrowser, watchedPage } from '../support/browser.js';
import { requires } from '../support/requires.js';

let cloud: Cloud;
let vertex: LlmServer;
let trigger: ServedFunction;
let mailer: ServedFunction;
const logLines: string[] = [];
const originalStderrWrite = process.stderr.write.bind(process.stderr);

before(async () => {
  cloud = await startCloud();
  vertex = await startVertexServer();
  Object.assign(process.env, cloud.functionsEnv);
  // Every line any component writes to stderr (our JSON logs, the framework's error reports) is kept for the
  // no-secret check, and still shown.
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    logLines.push(String(chunk));
    return (originalStderrWrite as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  await import('../../functions/index.js');
  trigger = await serve(getTestServer('onSessionReady'));
  mailer = await serve(getTestServer('onTranscriptReady'));
});

after(async () => {
  process.stderr.write = originalStderrWrite;
  await trigger?.close();
  await mailer?.close();
  await cloud?.close();
  await vertex?.close();
});

const input = () => new GcsStore(cloud.storage, INPUT_BUCKET, '');
const published = () => cloud.pubsub.published(TOPIC);
const engines = async () => ({ asr: new ScriptedAsr(), vad: await SileroVad.create(), embedder: new SpectralEmbedder() });
/** Engines whose ASR double puts one line per stretch of speech, so the name on every line can be scored. */
const islands = async () => ({ asr: new SpeechIslandsAsr(), vad: await SileroVad.create(), embedder: new SpectralEmbedder() });

/** What Terraform sets on the job for the recap (terraform/job.tf: off by default, Gemini in the region). */
const RECAP_DEPLOYMENT = { RECAP: 'off', RECAP_MODEL: 'gemini-3.5-flash', RECAP_PROJECT: PROJECT, RECAP_LOCATION: 'europe-west1' };
/** The engines, and the recap model the job's configuration asks for, reaching Vertex AI on loopback with a test token. */
const withRecap = async (config: JobConfig) => ({ ...(await islands()), recap: createRecapModel(config.recap, { googleAuthOptions: loopbackGoogleAuth() }) });

/** POSTs the finalize event of `sessions/<session>/_READY` as it is now in the input bucket. */
async function readyEvent(session: string) {
  const object = cloud.gcs.getObject(INPUT_BUCKET, `sessions/${session}/_READY`);
  assert.ok(object, `sessions/${session}/_READY exists`);
  return storageEvent(object);
}

/** Forwards the topic's next message to the mailer and returns the email it produced. */
async function mailNext(fromIndex: number) {
  const message = await cloud.pubsub.waitForMessage(TOPIC, 10_000, fromIndex);
  const sent = cloud.smtp.messages.length;
  const res = await mailer.post(pubsubEvent(message));
  assert.ok(res.status < 300, `mailer answered ${res.status}: ${res.body}`);
  const all = await cloud.smtp.waitForMessages(sent + 1, 10_000);
  return { message, mail: all[sent]! };
}

describe('cloud flow on loopback', () => {
  it('happy path: upload, trigger, job, Pub/Sub, mailer, email with the zip attached', async (t) => {
    const demo = await writeDemoSession(join(scratchDir(), 'seance-12'));
    const up = await uploadSession(demo.dir, { session: 'seance-12', to: ['alice@club.example'] }, input(), silentProgress);
    assert.deepEqual(up.files.map((f) => f.name), ['part-1.m4a', 'part-2.mp3']);

    const res = await trigger.post(await readyEvent('seance-12'));
    assert.ok(res.status < 300, res.body);
    assert.equal(cloud.run.requests.length, 1);
    const request = cloud.run.requests[0]!;
    const env = envOverrides(request);
    assert.equal(env.INPUT_PREFIX, `gs://${INPUT_BUCKET}/sessions/seance-12/`);
    assert.equal(env.OUTPUT_BUCKET, OUTPUT_BUCKET);
    assert.equal(env.OUTPUT_PREFIX, 'sessions/seance-12');
    assert.equal(env.CONTEXT_GCS_URI, `gs://${INPUT_BUCKET}/sessions/seance-12/context/context.yaml`);
    assert.equal(env.EMAIL_TO, 'alice@club.example');
    const claims = cloud.gcs.objects(OUTPUT_BUCKET).filter((o) => o.name.startsWith('sessions/seance-12/runs/'));
    assert.equal(claims.length, 1);
    assert.equal(JSON.parse(claims[0]!.data.toString()).execution, request.executionName);

    const before = published().length;
    assert.equal(await main(cloud.jobEnv(env), { engines: islands }), 0);
    const { message, mail } = await mailNext(before);
    const completion = JSON.parse(message.data.toString());
    assert.equal(completion.status, 'succeeded');
    assert.equal(completion.runId, env.RUN_ID);

    assert.deepEqual(mail.envelope.to, ['alice@club.example']);
    assert.equal(mail.subject, 'Transcription prête : seance-12');
    assert.equal(mail.user, SMTP_CREDENTIALS.user);
    assert.match(mail.text ?? '', /Durée enregistrée : 1 min/);
    // The demo's voice samples name three players from context.yaml in the bucket; Sam's sample is missing.
    assert.match(mail.text ?? '', /Participants et temps de parole/);
    for (const name of ['Camille', 'Hugo', 'Léa', 'SPK4']) assert.match(mail.text ?? '', new RegExp(name));
    assert.match(mail.text ?? '', /transcript\.srt : sous-titres/);
    assert.match(mail.text ?? '', /L'archive seance-12\.zip \(\d+ KB\) est jointe/);
    assert.equal(mail.attachments.length, 1);
    const zip = await JSZip.loadAsync(mail.attachments[0]!.content);
    assert.ok(zip.file('seance-12/transcript.md'), `zip holds ${Object.keys(zip.files).join(', ')}`);
    // The name on every line of the transcript the group received.
    const transcript = JSON.parse(await zip.file('seance-12/transcript.json')!.async('string')) as { segments: Array<{ start: number; end: number; speaker?: string }> };
    const truth = demo.truth.map((t) => ({ start: t.start, end: t.end, speaker: t.speaker === 'Sam' ? 'SPK4' : t.speaker! }));
    const accuracy = segmentNameAccuracy(truth, transcript.segments);
    assert.ok(accuracy >= 0.9, `right name on ${(accuracy * 100).toFixed(1)} % of speech`);
    const prefix = `sessions/seance-12/${env.RUN_ID}/`;
    const status = JSON.parse(cloud.gcs.getObject(OUTPUT_BUCKET, `${prefix}status.json`)!.data.toString());
    assert.equal(status.state, 'succeeded');
    assert.ok(status.timings.some((t: { stage: string }) => t.stage === 'asr'));
    assert.ok(cloud.gcs.getObject(OUTPUT_BUCKET, `${prefix}emailed.json`), 'the mailer claimed the run');

    // transcript.html and its audio: in the bucket beside the zip, the audio in the attached zip (both fit), and the
    // page linked (signed) with its audio's signed address, which the page plays from the bucket.
    for (const name of ['transcript.html', 'audio.opus']) assert.ok(completion.outputs.files.includes(`gs://${OUTPUT_BUCKET}/${prefix}${name}`), name);
    assert.equal(cloud.gcs.getObject(OUTPUT_BUCKET, `${prefix}audio.opus`)!.contentType, 'audio/ogg');
    assert.ok(zip.file('seance-12/transcript.html') && zip.file('seance-12/audio.opus'), `zip holds ${Object.keys(zip.files).join(', ')}`);
    assert.equal(cloud.gcs.objects(OUTPUT_BUCKET).filter((o) => o.name.startsWith(`${prefix}work/audio/`)).length, 0, 'the work copy of the audio is gone');
    // SPK4 (Sam, whose sample is missing) has their voice cut from the session: in the bucket, in the zip, in the email.
    assert.ok(cloud.gcs.getObject(OUTPUT_BUCKET, `${prefix}voice-SPK4.opus`), 'voice clip in the bucket');
    assert.ok(zip.file('seance-12/voice-SPK4.opus'), `zip holds ${Object.keys(zip.files).join(', ')}`);
    assert.match(mail.text ?? '', /- voice-SPK4\.opus : la voix de SPK4 dans cette séance : ajoutez-la à ses échantillons de voix/);
    const page = /Lire, chercher et réécouter la séance dans votre navigateur \(lien valable jusqu'au [^)]+\) :\n(\S+)/.exec(mail.text ?? '')?.[1];
    assert.ok(page?.includes('X-Goog-Signature=') && page.includes('#audio='), mail.text);
    if (requires(t, chromiumPath(), 'chromium (the Debian package, at /usr/bin/chromium)')) {
      const browser = await openBrowser(chromiumPath()!);
      try {
        const { page: tab, problems } = await watchedPage(browser);
        await tab.goto(page!);
        await tab.waitForFunction(() => (document.getElementById('audio') as HTMLAudioElement).readyState >= 1);
        assert.equal(await tab.locator('#noaudio').isVisible(), false);
        assert.match((await tab.textContent('#turn-0'))!, /Camille|Hugo|Léa|SPK4/);
        assert.deepEqual(problems, []);
        const origin = new URL(page!).origin;
        assert.deepEqual(browser.requests.filter((u) => !u.startsWith(`${origin}/${OUTPUT_BUCKET}/${prefix}`)), [], 'only the page and its audio, from the bucket');
        assert.ok(browser.requests.some((u) => u.startsWith(`${origin}/${OUTPUT_BUCKET}/${prefix}audio.opus?`)), 'the signed audio');
      } finally {
        await browser.close();
      }
    }
  });

  it('a session asking for its recap (recap: true in _READY) gets it in the email, and recap.md attached', async () => {
    const demo = await writeDemoSession(join(scratchDir(), 'seance-recap'));
    await uploadSession(demo.dir, { session: 'seance-recap', to: ['alice@club.example'] }, input(), silentProgress);
    const ready = JSON.parse(cloud.gcs.getObject(INPUT_BUCKET, 'sessions/seance-recap/_READY')!.data.toString());
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/seance-recap/_READY', JSON.stringify({ ...ready, recap: true }));
    assert.ok((await trigger.post(await readyEvent('seance-recap'))).status < 300);
    const env = envOverrides(cloud.run.requests.at(-1)!);
    assert.equal(env.RECAP, 'vertex', "the session's word wins over the deployment's off");

    const before = published().length;
    const asked = vertex.requests.length;
    const jobEnv = cloud.jobEnv({ ...RECAP_DEPLOYMENT, RECAP_URL: vertex.url, RECAP_RETRY_DELAY_MS: '1', ...env });
    assert.equal(await main(jobEnv, { engines: withRecap }), 0);
    const [request] = vertex.requests.slice(asked);
    assert.deepEqual(VERTEX_PATH.exec(request!.path)?.slice(1), [PROJECT, 'europe-west1', 'gemini-3.5-flash']);
    assert.match(request!.input, /^\[0:00:0\d\] Camille: mot0\.0 mot0\.1 mot0\.2/m);
    assert.doesNotMatch(request!.raw, /alice@club\.example|mj@club\.example/, 'no recipient in the prompt');

    const { message, mail } = await mailNext(before);
    const completion = JSON.parse(message.data.toString());
    assert.match(completion.recap.previously, /^Précédemment/);
    assert.match(mail.text ?? '', /Résumé de la séance :\n {2}Précédemment : \d+ répliques, de Camille à \S+\.\n\nLes premiers moments clés :\n {2}- \[0:00:0\d\] Camille prend la parole\./);
    assert.match(mail.text ?? '', /Le résumé complet est joint à ce message \(recap\.md\)\./);
    assert.match(mail.text ?? '', /- recap\.md : le résumé de la séance/);
    assert.doesNotMatch(mail.text ?? '', /Recap not written/);
    assert.deepEqual(mail.attachments.map((a) => a.filename), ['seance-recap.zip', 'recap.md']);
    const recapMd = mail.attachments[1]!.content.toString();
    assert.match(recapMd, /^# Résumé de la séance : seance-recap$/m);
    assert.match(recapMd, /^- \[0:00:0\d\] Camille prend la parole\.$/m);
    assert.doesNotMatch(recapMd, /roi des licornes/);
    const zip = await JSZip.loadAsync(mail.attachments[0]!.content);
    assert.equal(await zip.file('seance-recap/recap.md')?.async('string'), recapMd);
  });

  it('a recap that fails (quota) is a line in the email, and the transcript comes as usual', async () => {
    const demo = await writeDemoSession(join(scratchDir(), 'seance-quota'));
    await uploadSession(demo.dir, { session: 'seance-quota' }, input(), silentProgress);
    assert.ok((await trigger.post(await readyEvent('seance-quota'))).status < 300);
    const env = envOverrides(cloud.run.requests.at(-1)!);
    assert.equal(env.RECAP, undefined, 'the deployment decides');
    const quota = vertexError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for generate_content_requests_per_minute');
    vertex.queue(quota, quota, quota);
    const before = published().length;
    const jobEnv = cloud.jobEnv({ ...RECAP_DEPLOYMENT, RECAP: 'vertex', RECAP_URL: vertex.url, RECAP_RETRY_DELAY_MS: '1', ...env });
    assert.equal(await main(jobEnv, { engines: withRecap }), 0);
    const { message, mail } = await mailNext(before);
    assert.equal(JSON.parse(message.data.toString()).status, 'succeeded');
    assert.equal(JSON.parse(message.data.toString()).recap, undefined);
    assert.match(mail.text ?? '', /À vérifier \(le détail est dans report\.md\) :\n(?: {2}- .*\n)* {2}- Recap not written: Vertex AI answered that the quota is used up \(429: RESOURCE_EXHAUSTED.*\) after 3 tries: upload _READY again later/);
    assert.doesNotMatch(mail.text ?? '', /Résumé de la séance/);
    assert.deepEqual(mail.attachments.map((a) => a.filename), ['seance-quota.zip']);
    const zip = await JSZip.loadAsync(mail.attachments[0]!.content);
    assert.ok(zip.file('seance-quota/transcript.md'));
    assert.equal(zip.file('seance-quota/recap.md'), null);
  });

  it('a session holding only the zip Craig gives: the trigger accepts it, the job unzips it, the email names the players', async () => {
    const session = await multitrackSession({ seed: 5, seconds: 40, overlap: { every: 4, seconds: 0.6 } });
    const tracks = await writeTracks(session, join(scratchDir(), 'craig-cloud-tracks'));
    const zip = new JSZip();
    for (const p of tracks) zip.file(p.split('/').pop()!, await readFile(p));
    zip.file('info.txt', craigInfo(session));
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/partie-craig/craig-AbCdEf123.flac.zip', await zip.generateAsync({ type: 'nodebuffer' }));
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/partie-craig/_READY', 'recipients: [alice@club.example]\n');
    const runs = cloud.run.requests.length;
    const res = await trigger.post(await readyEvent('partie-craig'));
    assert.ok(res.status < 300, res.body);
    assert.equal(cloud.run.requests.length, runs + 1, 'the job was started');
    const env = envOverrides(cloud.run.requests.at(-1)!);
    assert.equal(env.MODE, undefined, 'no mode in _READY: the job finds the Craig recording itself');
    const before = published().length;
    assert.equal(await main(cloud.jobEnv(env), { engines: islands }), 0);
    const { message, mail } = await mailNext(before);
    assert.equal(JSON.parse(message.data.toString()).status, 'succeeded');
    assert.equal(mail.subject, 'Transcription prête : partie-craig');
    assert.match(mail.text ?? '', /Participants et temps de parole/);
    for (const p of session.people) assert.match(mail.text ?? '', new RegExp(`- ${p.globalName} : `));
    const received = await JSZip.loadAsync(mail.attachments[0]!.content);
    const transcript = JSON.parse(await received.file('partie-craig/transcript.json')!.async('string'));
    assert.equal(transcript.mode, 'multitrack');
    assert.deepEqual(transcript.markers.map((m: { text: string }) => m.text), session.notes.map((n) => n.text));
    const truth = session.truth.map((t) => ({ start: t.start, end: t.end, speaker: session.people.find((p) => p.id === t.speaker)!.globalName }));
    const accuracy = segmentNameAccuracy(truth, transcript.segments);
    assert.ok(accuracy >= 0.95, `right name on ${(accuracy * 100).toFixed(1)} % of speech`);
  });

  it('the same _READY delivered 5 times (2 at once) starts one job', async () => {
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/seance-13/part-1.ogg', randomBytes(1000));
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/seance-13/_READY', 'files: [{name: part-1.ogg, size: 1000}]');
    const event = await readyEvent('seance-13');
    const runs = cloud.run.requests.length;
    const statuses = await Promise.all([trigger.post(event), trigger.post(event)]);
    for (let i = 0; i < 3; i++) statuses.push(await trigger.post(event));
    assert.ok(statuses.every((r) => r.status < 300), JSON.stringify(statuses));
    assert.equal(cloud.run.requests.length, runs + 1);
    assert.equal(envOverrides(cloud.run.requests.at(-1)!).INPUT_PREFIX, `gs://${INPUT_BUCKET}/sessions/seance-13/`);
  });

  it('the same Pub/Sub message delivered 3 times sends one email', async () => {
    const before = published().length;
    await publish({ session: 'seance-14', runId: 'r-dup', status: 'failed', error: { stage: 'asr', message: 'whisper-cli crashed' } });
    const message = await cloud.pubsub.waitForMessage(TOPIC, 5000, before);
    const sent = cloud.smtp.messages.length;
    for (let i = 0; i < 3; i++) assert.ok((await mailer.post(pubsubEvent(message))).status < 300);
    assert.equal(cloud.smtp.messages.length, sent + 1);
    assert.equal(cloud.smtp.messages.at(-1)!.subject, 'Échec de la transcription : seance-14');
    assert.deepEqual(cloud.smtp.messages.at(-1)!.envelope.to, [GROUP]);
  });

  it('a large zip is sent as a V4 signed link that the bucket honours', async () => {
    const zip = randomBytes(2 * 1024 * 1024);
    cloud.gcs.putObject(OUTPUT_BUCKET, 'sessions/grande/r-big/grande.zip', zip, { contentType: 'application/zip' });
    const before = published().length;
    await publish({
      session: 'grande',
      runId: 'r-big',
      status: 'succeeded',
      outputs: { prefix: `gs://${OUTPUT_BUCKET}/sessions/grande/r-big/`, zip: `gs://${OUTPUT_BUCKET}/sessions/grande/r-big/grande.zip`, files: [] },
      stats: { audioSeconds: 4 * 3600 + 75, wallSeconds: 3000, speakers: [{ name: 'Camille', talkSeconds: 5400 }, { name: 'Hugo', talkSeconds: 1800 }] },
    });
    const { mail } = await mailNext(before);
    assert.equal(mail.attachments.length, 0);
    const url = /(http:\/\/\S+X-Goog-Signature=\S+)/.exec(mail.text ?? '')?.[1];
    assert.ok(url, mail.text);
    assert.match(url, /X-Goog-Expires=259200/);
    const download = await fetch(url);
    assert.equal(download.status, 200);
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(zip));
    assert.match(mail.text ?? '', /Durée enregistrée : 4 h 01 min/);
    assert.match(mail.text ?? '', /Camille : 1 h 30 min \(75 %\)/);
    assert.match(mail.text ?? '', /valable jusqu'au \d+ \S+ \d{4}/);
  });

  const refusals: Array<{ name: string; files: Record<string, string | Buffer>; ready: string | Buffer; expect: RegExp }> = [
    { name: 'a listed file is missing', files: { 'a.m4a': 'x' }, ready: 'files: [{name: a.m4a}, {name: b.m4a}]', expect: /b\.m4a is listed but not in the session folder/ },
    { name: 'a recipient is not allowed', files: { 'a.m4a': 'x' }, ready: 'recipients: [eve@evil.example]', expect: /eve@evil\.example is not on this deployment's allow-list/ },
    { name: '_READY is not valid YAML', files: { 'a.m4a': 'x' }, ready: 'files: [ {name: a.m4a', expect: /neither valid JSON nor valid YAML/ },
    { name: 'a path climbs out with ..', files: { 'a.m4a': 'x' }, ready: 'context: ../other/context.yaml', expect: /must stay inside the session folder/ },
    { name: '_READY is 50 MB', files: { 'a.m4a': 'x' }, ready: Buffer.alloc(50 * 1024 * 1024, '#'), expect: /_READY is larger than 256 KB, the most it may hold/ },
    { name: 'the folder name has decomposed accents and no recording', files: { 'notes.txt': 'x' }, ready: '', expect: /no recording in the session folder/ },
  ];
  for (const [i, c] of refusals.entries()) {
    it(`refuses a session when ${c.name}: no job, a failure email naming the problem`, async () => {
      const session = c.name.includes('decomposed') ? `Re\u0301fus-${i}` : `refus-${i}`;
      for (const [name, data] of Object.entries(c.files)) cloud.gcs.putObject(INPUT_BUCKET, `sessions/${session}/${name}`, data);
      cloud.gcs.putObject(INPUT_BUCKET, `sessions/${session}/_READY`, c.ready);
      const runs = cloud.run.requests.length;
      const before = published().length;
      assert.ok((await trigger.post(await readyEvent(session))).status < 300);
      assert.equal(cloud.run.requests.length, runs, 'no job started');
      const { mail } = await mailNext(before);
      assert.equal(mail.subject, `Échec de la transcription : ${session.normalize('NFC')}`);
      assert.match(mail.text ?? '', c.expect);
      assert.match(mail.text ?? '', /déposez de nouveau le fichier _READY/);
      assert.deepEqual(mail.envelope.to, [GROUP]);
    });
  }

  it('a broken context.yaml does not stop the session: the job transcribes without it and the email says why', async () => {
    const demo = await writeDemoSession(join(scratchDir(), 'contexte-casse'));
    await uploadSession(demo.dir, { session: 'contexte-casse' }, input(), silentProgress);
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/contexte-casse/context/context.yaml', 'speakers: [ {id: camille');
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/contexte-casse/_READY', '');
    const runs = cloud.run.requests.length;
    assert.ok((await trigger.post(await readyEvent('contexte-casse'))).status < 300);
    assert.equal(cloud.run.requests.length, runs + 1, 'the job was started');
    const env = envOverrides(cloud.run.requests.at(-1)!);
    const before = published().length;
    assert.equal(await main(cloud.jobEnv(env), { engines }), 0);
    const { mail } = await mailNext(before);
    assert.equal(mail.subject, 'Transcription prête : contexte-casse');
    assert.match(mail.text ?? '', /À vérifier \(le détail est dans report\.md\) :\n {2}- gs:\/\/jdr-input\/sessions\/contexte-casse\/context\/context\.yaml is not valid YAML.*The session was transcribed without its context\./);
  });

  it('Cloud Run refusing for good (PERMISSION_DENIED): one failure email saying what to fix, no retry loop', async () => {
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/sans-droit/a.m4a', randomBytes(1000));
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/sans-droit/_READY', '');
    const event = await readyEvent('sans-droit');
    const before = published().length;
    cloud.run.failNext(7, 'Permission denied on resource job');
    assert.ok((await trigger.post(event)).status < 300, 'acknowledged: a redelivery could not help');
    const { mail } = await mailNext(before);
    assert.equal(mail.subject, 'Échec de la transcription : sans-droit');
    assert.match(mail.text ?? '', /configuration du service \(config\)/);
    assert.match(mail.text ?? '', /lacks roles\/run\.jobsExecutorWithOverrides/);
    assert.match(mail.text ?? '', /transférez ce message à la personne qui l’administre/);
    assert.ok((await trigger.post(event)).status < 300);
    assert.equal(published().length, before + 1, 'the redelivery published nothing more');
  });

  it('Cloud Run unavailable: the trigger answers an error so Eventarc redelivers, and the redelivery starts the job', async () => {
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/plus-tard/a.m4a', randomBytes(1000));
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/plus-tard/_READY', '');
    const event = await readyEvent('plus-tard');
    const runs = cloud.run.requests.filter((r) => r.executionName).length;
    cloud.run.failNext(14, 'The service is currently unavailable');
    assert.ok((await trigger.post(event)).status >= 500, 'an error, so that Eventarc tries again');
    assert.ok((await trigger.post(event)).status < 300);
    assert.equal(cloud.run.requests.filter((r) => r.executionName).length, runs + 1);
  });

  it('a job that fails at decode sends a failure email and exits 0 (no retry)', async () => {
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/casse/enregistrement.m4a', randomBytes(4096));
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/casse/_READY', '');
    assert.ok((await trigger.post(await readyEvent('casse'))).status < 300);
    const env = envOverrides(cloud.run.requests.at(-1)!);
    assert.equal(env.INPUT_PREFIX, `gs://${INPUT_BUCKET}/sessions/casse/`);
    const before = published().length;
    assert.equal(await main(cloud.jobEnv(env), { engines }), 0);
    const { message, mail } = await mailNext(before);
    assert.equal(JSON.parse(message.data.toString()).error.stage, 'decode');
    assert.match(mail.text ?? '', /lecture des enregistrements \(decode\)/);
    assert.match(mail.text ?? '', /enregistrement\.m4a/);
    assert.match(mail.text ?? '', /Vérifiez que les enregistrements sont des fichiers audio/);
  });

  it('ignores every other object, without a job or a message', async () => {
    const object = cloud.gcs.putObject(INPUT_BUCKET, 'sessions/seance-12/part-3.m4a', 'x');
    const runs = cloud.run.requests.length;
    const before = published().length;
    assert.ok((await trigger.post(storageEvent(object))).status < 300);
    assert.equal(cloud.run.requests.length, runs);
    assert.equal(published().length, before);
  });

  it('never writes the SMTP password in a log line', async () => {
    // Its own traffic through both functions (the test may run alone): a refusal, emailed over authenticated SMTP.
    cloud.gcs.putObject(INPUT_BUCKET, 'sessions/journal/_READY', 'recipients: [nobody]');
    const before = published().length;
    assert.ok((await trigger.post(await readyEvent('journal'))).status < 300);
    await mailNext(before);
    assert.ok(logLines.some((l) => l.includes('"session":"journal"')), 'logs were captured');
    assert.ok(!logLines.some((l) => l.includes(SMTP_CREDENTIALS.pass)));
  });
});

async function publish(fields: Record<string, unknown>) {
  const publisher = completionPublisher(createPubSubClient(TOPIC, cloud.functionsEnv), TOPIC);
  try {
    await publisher.publish({ version: COMPLETION_VERSION, recipients: [], finishedAt: new Date().toISOString(), ...fields } as never);
  } finally {
    await publisher.close();
  }
}
