import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { diarizationErrorRate, nameAccuracy } from '../support/der.js';
import { DEMO_CONTEXT, writeDemoSession } from '../support/demo-session.js';
import { scratchDir } from '../support/fixtures.js';
import { realExcerpts, realSpeechAvailable, REAL_SPEECH_DIR } from '../support/real-speech.js';
import { requires } from '../support/requires.js';
import { TINY_DIMS, writeGgmlModel } from '../support/ggml-model.js';

const run = promisify(execFile);

/** Runs the CLI as a user would (its own process, no TTY), returning exit code and output. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
      env: { ...process.env, WHISPER_MODEL_PATH: '', WHISPER_MODEL_DIR: join(scratchDir(), 'no-models'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

test('end to end: a generated French/English session through the real engines produces every output', async () => {
  const session = await writeDemoSession(join(scratchDir(), 'session-12'));
  const model = join(scratchDir(), 'ggml-random-tiny.bin');
  await writeGgmlModel(model, TINY_DIMS);
  const out = join(scratchDir(), 'out');
  const result = await cli(['run', session.dir, '--out', out, '--model', model, '--beam-size', '1', '--threads', '2', '--secondary-lang', 'en', '--multilang']);
  assert.equal(result.code, 0, result.stderr);

  for (const name of ['transcript.md', 'transcript.txt', 'transcript.srt', 'transcript.vtt', 'transcript.json', 'transcript.rttm', 'transcript.html', 'audio.opus', 'report.md', 'report.json', 'session-12.zip']) {
    assert.ok(existsSync(join(out, name)), `${name} written`);
  }
  const json = JSON.parse(readFileSync(join(out, 'transcript.json'), 'utf8'));
  assert.equal(json.session, 'session-12');
  assert.ok(Math.abs(json.duration - session.duration) < 0.2, `duration ${json.duration} vs ${session.duration}`);
  assert.deepEqual(json.sources.map((s: { name: string }) => s.name), ['part-1.m4a', 'part-2.mp3']);
  for (const s of json.segments) assert.ok(s.start >= 0 && s.end <= json.duration + 0.01 && s.start <= s.end);
  assert.ok(['fr', 'en'].includes(json.language));

  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.deepEqual(report.skipped.map((s: { name: string }) => s.name), ['notes.txt']);
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /notes\.txt/);

  // Speakers, through the real VAD and the model-free embedder: three named from their voice samples, Sam (whose
  // sample is missing) left as a cluster label, the missing sample reported, and the RTTM scored against the truth.
  const speakers = json.speakers as Array<{ name: string; cluster: string; source: string; talk_time: number; turns: number }>;
  assert.deepEqual(speakers.map((s) => s.name).sort(), ['Camille', 'Hugo', 'Léa', 'SPK4']);
  for (const s of speakers) assert.ok(s.talk_time > 5 && s.turns >= 3, `${s.name}: ${s.talk_time} s in ${s.turns} turns`);
  assert.equal(speakers.find((s) => s.name === 'SPK4')!.source, 'unmatched');
  assert.ok(json.segments.every((s: { speaker?: string }) => s.speaker), 'every segment has a speaker');
  assert.match(json.model.embedder, /model-free/);
  assert.match(report.engines.embedder, /model-free/, 'the report says which embedder ran');
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /Speaker embeddings: model-free/);
  assert.ok(report.unmatchedClusters.includes('SPK4'), 'unmatched clusters listed');
  assert.ok(report.speakers.find((s: { cluster: string }) => s.cluster === 'SPK4').lines.length >= 1, 'with their longest lines');
  assert.ok(report.warnings.some((w: string) => /sam-missing\.wav/.test(w)), 'missing voice sample reported');
  // Sam is the one listed player without a line, SPK4 the one voice without a name: the report gives the line to add.
  assert.ok(report.warnings.some((w: string) => w.startsWith('SPK4 is likely Sam, the only speaker context.yaml lists with no line in this session')), 'SPK4 suggested as Sam');
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /- SPK4 is likely Sam, .*add \\`SPK4: Sam\\` under \\`overrides\.speakers\\`/);
  const rttm = readFileSync(join(out, 'transcript.rttm'), 'utf8').trim().split('\n').map((line) => {
    const f = line.split(' ');
    return { start: Number(f[3]), end: Number(f[3]) + Number(f[4]), speaker: f[7]! };
  });
  const truth = session.truth.map((t) => ({ start: t.start, end: t.end, speaker: t.speaker === 'Sam' ? 'SPK4' : t.speaker! }));
  const { der } = diarizationErrorRate(truth, rttm);
  assert.ok(der <= 0.1, `DER of transcript.rttm ${(der * 100).toFixed(1)} %`);
  assert.ok(nameAccuracy(truth, rttm) >= 0.9, 'the right name on most of the speech');

  await run('unzip', ['-t', join(out, 'session-12.zip')]);
  const { stdout: listing } = await run('unzip', ['-l', join(out, 'session-12.zip')]);
  assert.match(listing, /session-12\/transcript\.srt/);
  // Logs are JSON lines when not on a terminal.
  const lines = result.stderr.trim().split('\n');
  assert.ok(lines.every((l) => JSON.parse(l).severity), 'every log line is a JSON object with a severity');

  // SPK4's voice, cut from the session, beside the report and in the zip; the report says what to do with it.
  const clip = report.speakers.find((s: { cluster: string }) => s.cluster === 'SPK4').clip;
  assert.equal(clip, 'voice-SPK4.opus');
  assert.ok(existsSync(join(out, clip)));
  assert.match(listing, /session-12\/voice-SPK4\.opus/);
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /Their voice from this session is in `voice-SPK4\.opus`.*`voice_samples: \[voices\/voice-SPK4\.opus\]`/);
  // What the report says to do: the clip as Sam's voice sample. The next run names Sam, and nobody is left unnamed.
  await copyFile(join(out, clip), join(session.dir, 'context', 'voices', clip));
  await writeFile(join(session.dir, 'context', 'context.yaml'), DEMO_CONTEXT.replace('voices/sam-missing.wav', `voices/${clip}`));
  const again = join(scratchDir(), 'out-again');
  const second = await cli(['run', session.dir, '--out', again, '--model', model, '--beam-size', '1', '--threads', '2', '--secondary-lang', 'en', '--multilang']);
  assert.equal(second.code, 0, second.stderr);
  const named = JSON.parse(readFileSync(join(again, 'transcript.json'), 'utf8')).speakers as Array<{ name: string; source: string }>;
  assert.deepEqual(named.map((s) => s.name).sort(), ['Camille', 'Hugo', 'Léa', 'Sam']);
  assert.equal(named.find((s) => s.name === 'Sam')!.source, 'voice-sample');
  const truthSam = session.truth.map((t) => ({ start: t.start, end: t.end, speaker: t.speaker! }));
  const rttmAgain = readFileSync(join(again, 'transcript.rttm'), 'utf8').trim().split('\n').map((line) => {
    const f = line.split(' ');
    return { start: Number(f[3]), end: Number(f[3]) + Number(f[4]), speaker: f[7]! };
  });
  assert.ok(nameAccuracy(truthSam, rttmAgain) >= 0.9, 'Sam\'s lines carry his name');
  assert.equal(existsSync(join(again, 'voice-SPK4.opus')), false, 'nobody left without a name: no clip');
});

/** The random-weight tiny model, written once per process (each test may run alone). */
async function tinyModel(): Promise<string> {
  const model = join(scratchDir(), 'ggml-random-tiny.bin');
  if (!existsSync(model)) await writeGgmlModel(model, TINY_DIMS);
  return model;
}

test('end to end on a real meeting (trn08, four people) with the four listed: the report says one voice was told apart, and what to do', async (t) => {
  if (!requires(t, realSpeechAvailable() || undefined, `the real meeting excerpts in ${REAL_SPEECH_DIR} (CI has them beside the clone)`)) return;
  const x = realExcerpts().find((e) => e.name === 'trn08')!;
  const dir = join(scratchDir(), 'real-trn08');
  await mkdir(join(dir, 'context'), { recursive: true });
  await copyFile(x.flac, join(dir, 'trn08.flac'));
  const people = [...new Set(x.reference.map((r) => r.speaker))];
  await writeFile(join(dir, 'context', 'context.yaml'), `speakers:\n${people.map((name, i) => `  - { id: p${i + 1}, name: ${name} }`).join('\n')}\n`);
  const out = join(scratchDir(), 'real-trn08-out');
  const result = await cli(['run', dir, '--out', out, '--model', await tinyModel(), '--beam-size', '1', '--threads', '2']);
  assert.equal(result.code, 0, result.stderr);
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /- Only 1 voice was told apart in this session, but context\.yaml lists 4 speakers: no line is named after /);
  assert.match(md, /use the neural speaker model/);
  assert.match(md, /Speaker embeddings: model-free/);
});

test('a missing model stops before any work with a message saying how to provide one', async () => {
  const dir = join(scratchDir(), 'empty-session');
  const result = await cli(['run', join(scratchDir(), 'session-12'), '--out', dir]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--model/);
  assert.match(result.stderr, /WHISPER_MODEL_DIR/);
  assert.match(result.stderr, /make model/);
  assert.equal(existsSync(dir), false);
});

test('a session with no audio fails at decode and names what it skipped', async () => {
  const dir = join(scratchDir(), 'no-audio');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'readme.txt'), 'rien');
  const model = await tinyModel();
  const result = await cli(['run', dir, '--out', join(scratchDir(), 'no-audio-out'), '--model', model]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /No audio to transcribe/);
  assert.match(result.stderr, /readme\.txt/);
});

test('an --out that cannot be written stops before any work, naming the cause', async () => {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const dir = join(scratchDir(), 'unwritable-session');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'a.wav'), 'not audio');
  const file = join(scratchDir(), 'a-plain-file');
  writeFileSync(file, 'x');
  const result = await cli(['run', dir, '--out', join(file, 'out'), '--model', await tinyModel()]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /cannot be written to: .*a-plain-file: part of the path is a file, not a folder; choose another --out folder/);
  assert.doesNotMatch(result.stderr, /Download|Decode/, 'no stage started');
});

test('usage errors name the flag and the variable', async () => {
  const result = await cli(['run', '.', '--max-chunk-minutes', 'forty', '--lang', 'francais']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--max-chunk-minutes \(MAX_CHUNK_MINUTES\): must be a number/);
  assert.match(result.stderr, /--lang \(PRIMARY_LANG\): must be a language code/);
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--chunk-overlap-ms/);
});

test('upload: recordings and context to the input bucket, _READY last listing them; usage problems exit 2', async () => {
  const { startGcsServer } = await import('../integration/gcs-server.js');
  const { parseManifest } = await import('../../lib/contracts/manifest.js');
  const gcs = await startGcsServer();
  try {
    gcs.createBucket('jdr-input');
    const session = join(scratchDir(), 'session-12');
    if (!existsSync(session)) await writeDemoSession(session);
    const order: string[] = [];
    gcs.onFinalize((o) => order.push(o.name));
    const emulator = { STORAGE_EMULATOR_HOST: gcs.url };
    const result = await cli(['upload', session, '--session', 'session-12', '--to', 'mj@club.example'], { ...emulator, INPUT_BUCKET: 'jdr-input' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(order.at(-1), 'sessions/session-12/_READY', 'the marker is written last');
    const names = gcs.objects('jdr-input').map((o) => o.name);
    for (const n of ['part-1.m4a', 'part-2.mp3', 'context/context.yaml', 'context/voices/camille.wav']) assert.ok(names.includes(`sessions/session-12/${n}`), n);
    assert.ok(!names.includes('sessions/session-12/notes.txt'), 'not audio: not sent');
    const { manifest } = parseManifest(gcs.getObject('jdr-input', 'sessions/session-12/_READY')!.data.toString('utf8'), '_READY');
    assert.deepEqual(manifest.recipients, ['mj@club.example']);
    assert.deepEqual(manifest.files.map((f) => f.name).filter((n) => n.startsWith('part')), ['part-1.m4a', 'part-2.mp3']);
    for (const f of manifest.files) assert.equal(f.size, gcs.getObject('jdr-input', `sessions/session-12/${f.name}`)!.data.length, `${f.name} size`);
    assert.match(result.stderr, /_READY written/);

    const missingBucket = await cli(['upload', session, '--session', 'session-12'], { ...emulator, INPUT_BUCKET: '' });
    assert.equal(missingBucket.code, 2);
    assert.match(missingBucket.stderr, /--bucket \(INPUT_BUCKET\) is required/);
    const badSession = await cli(['upload', session, '--session', '../x', '--bucket', 'jdr-input'], emulator);
    assert.equal(badSession.code, 2);
    assert.match(badSession.stderr, /--session/);
  } finally {
    await gcs.close();
  }
});
