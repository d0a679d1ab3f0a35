/**
 * Multitrack sessions end to end through runSession (real ffmpeg, real Silero VAD, the speech-islands ASR double that
 * puts segments where the sound is): one track per person, as Craig, Zoom or a mic per player give them. Scored
 * against the generated truth: DER of transcript.rttm, the name on every segment, no line twice under bleed, and
 * what the ASR engine was handed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { memoryLogger } from '../../lib/log.js';
import { FileStore } from '../../lib/storage/index.js';
import { ffmpegTools } from '../../job/engines/ffmpeg.js';
import { SileroVad, type VadEngine } from '../../job/engines/silero-vad.js';
import type { PcmFile } from '../../job/audio/pcm.js';
import { silentProgress } from '../../job/progress.js';
import { runSession, StageError, type RunDeps, type RunOutcome, type RunSettings } from '../../job/run.js';
import { diarizationErrorRate, segmentNameAccuracy, type LabelledTurn } from '../support/der.js';
import { scratchDir } from '../support/fixtures.js';
import { craigInfo, craigName, multitrackSession, writeTracks, type MultitrackSession } from '../support/multitrack-session.js';
import { SpeechIslandsAsr } from '../support/scripted-asr.js';
import { testSettings } from '../support/run-settings.js';

const run = promisify(execFile);

const settings: RunSettings = testSettings({ session: 'table', formats: ['md', 'txt', 'srt', 'vtt', 'json', 'rttm'] });

let vad: SileroVad;
let clean: MultitrackSession;
before(async () => {
  vad = await SileroVad.create();
  clean = await multitrackSession({ seed: 3, seconds: 150, leavesEarly: 4 });
});

/** The real VAD, counting the seconds it is asked to listen to. */
class CountingVad implements VadEngine {
  heard = 0;
  constructor(private readonly inner: VadEngine) {}
  get description() {
    return this.inner.description;
  }
  get frameSeconds() {
    return this.inner.frameSeconds;
  }
  probabilities(pcm: PcmFile, options?: Parameters<VadEngine['probabilities']>[1]) {
    this.heard += pcm.duration;
    return this.inner.probabilities(pcm, options);
  }
}

interface Ran {
  vad: CountingVad;
  outcome: RunOutcome;
  asr: SpeechIslandsAsr;
  log: ReturnType<typeof memoryLogger>;
  out: string;
}

async function transcribe(name: string, input: string, extra: Partial<RunSettings> = {}, context?: string): Promise<Ran> {
  const asr = new SpeechIslandsAsr();
  const counting = new CountingVad(vad);
  const log = memoryLogger();
  const out = join(scratchDir(), `mt-${name}`, 'out');
  const deps: RunDeps = {
    input: new FileStore(input),
    output: new FileStore(out),
    asr,
    vad: counting,
    tools: ffmpegTools(),
    log,
    progress: silentProgress,
    workDir: join(scratchDir(), `mt-${name}`, 'work'),
    ...(context ? { context: writeContext(input, context) } : {}),
  };
  const outcome = await runSession({ ...settings, ...extra }, deps);
  return { outcome, asr, log, out, vad: counting };
}

/** A context.yaml beside the recordings, where the job looks for it. */
function writeContext(input: string, text: string): NonNullable<RunDeps['context']> {
  mkdirSync(join(input, 'context'), { recursive: true });
  writeFileSync(join(input, 'context', 'context.yaml'), text);
  return { store: new FileStore(input), key: 'context/context.yaml', explicit: true };
}

function truthBy(session: MultitrackSession, name: (id: string) => string): LabelledTurn[] {
  return session.truth.map((t) => ({ start: t.start, end: t.end, speaker: name(t.speaker) }));
}

const globalName = (s: MultitrackSession) => (id: string) => s.people.find((p) => p.id === id)!.globalName;

/** Segments whose speaker says nothing during them: another person's words heard on their track. */
function duplicated(reference: readonly LabelledTurn[], segments: ReadonlyArray<{ start: number; end: number; speaker?: string }>) {
  return segments.filter((s) => !reference.some((r) => r.speaker === s.speaker && r.start < s.end && r.end > s.start));
}

/** ffmpeg's amerge stops with its shortest input, and tracks end at different times: pad each, then merge. */
function padded(n: number): string {
  const inputs = Array.from({ length: n }, (_, i) => `[${i}]apad[p${i}]`).join(';');
  return `${inputs};${Array.from({ length: n }, (_, i) => `[p${i}]`).join('')}amerge=inputs=${n}`;
}

async function craigFolder(name: string, session: MultitrackSession, withInfo = true): Promise<string> {
  const dir = join(scratchDir(), `mt-in-${name}`);
  await writeTracks(session, dir);
  if (withInfo) writeFileSync(join(dir, 'info.txt'), craigInfo(session));
  return dir;
}

describe('a Craig session (5 tracks, info.txt with notes, one track much shorter, lines overlapping now and then)', () => {
  let ran: Ran;
  let reference: LabelledTurn[];
  before(async () => {
    ran = await transcribe('craig', await craigFolder('craig', clean));
    reference = truthBy(clean, globalName(clean));
  });

  it('runs as multitrack because info.txt lists the tracks, and the report says why and how to force mixed', () => {
    const report = JSON.parse(readFileSync(join(ran.out, 'report.json'), 'utf8'));
    assert.equal(report.mode.mode, 'multitrack');
    assert.match(report.mode.reason, /^info\.txt lists the 5 tracks of a Craig recording/);
    assert.match(report.mode.other, /mode: mixed in _READY \(or run with --mode mixed\)/);
    const md = readFileSync(join(ran.out, 'report.md'), 'utf8');
    assert.match(md, /- Mode: multitrack\. info\.txt lists the 5 tracks/);
  });

  it('scores DER ≤ 2 % on transcript.rttm and the right name on ≥ 98 % of speech time on the segments, names from info.txt', () => {
    const rttm = readFileSync(join(ran.out, 'transcript.rttm'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map((f) => ({ start: Number(f[3]), end: Number(f[3]) + Number(f[4]), speaker: f[7]!.replace(/_/g, ' ') }));
    const der = diarizationErrorRate(reference, rttm);
    assert.ok(der.der <= 0.02, `DER ${(der.der * 100).toFixed(2)} % (missed ${der.missed.toFixed(2)} s, false alarm ${der.falseAlarm.toFixed(2)} s, confusion ${der.confusion.toFixed(2)} s)`);
    const json = JSON.parse(readFileSync(join(ran.out, 'transcript.json'), 'utf8'));
    const accuracy = segmentNameAccuracy(reference, json.segments);
    assert.ok(accuracy >= 0.98, `right name on ${(accuracy * 100).toFixed(1)} % of speech time`);
    assert.deepEqual(new Set(json.segments.map((s: { speaker: string }) => s.speaker)), new Set(['Camille', 'Alice', 'Léa', 'Bob', 'Hugo']));
  });

  it('keeps overlapping speech: two lines at the same time, interleaved by time', () => {
    const segments = ran.outcome.transcript.segments;
    const overlapping = segments.filter((a, i) => segments.some((b, j) => j !== i && b.speaker !== a.speaker && Math.min(a.end, b.end) - Math.max(a.start, b.start) >= 0.4));
    assert.ok(overlapping.length >= 2, `${overlapping.length} overlapping lines`);
    assert.ok(segments.every((s, i) => i === 0 || segments[i - 1]!.start <= s.start), 'sorted by start');
    // The subtitles show both (two cues at once) where two people talk together.
    const vtt = readFileSync(join(ran.out, 'transcript.vtt'), 'utf8');
    const cues = [...vtt.matchAll(/(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})/g)].map((m) => ({
      start: Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000,
      end: Number(m[5]) * 3600 + Number(m[6]) * 60 + Number(m[7]) + Number(m[8]) / 1000,
    }));
    assert.ok(cues.some((c, i) => i > 0 && c.start < cues[i - 1]!.end - 0.4), 'some cues are on screen together');
  });

  it('hands the ASR engine only speech (at most 1.2 × what the VAD found on the tracks, plus 30 s per track), and the VAD only sound', () => {
    const handed = ran.asr.calls.reduce((n, c) => n + c.seconds, 0);
    const trackSeconds = ran.outcome.transcript.tracks!.reduce((n, t) => n + t.duration, 0);
    assert.ok(handed <= 1.2 * ran.outcome.speechSeconds + 30 * 5, `${handed.toFixed(1)} s handed for ${ran.outcome.speechSeconds.toFixed(1)} s of speech`);
    // And far less than the tracks: the point of it.
    assert.ok(handed < trackSeconds / 3, `${handed.toFixed(1)} s handed of ${trackSeconds.toFixed(1)} s of tracks`);
    // Speech detection, too, skips Craig's digital silence: it hears the stretches with sound.
    assert.ok(ran.vad.heard < trackSeconds / 2, `the VAD heard ${ran.vad.heard.toFixed(1)} s of ${trackSeconds.toFixed(1)} s of tracks`);
  });

  it('lists every track in the report: file, label, name, length, speech, bleed; the short track is shorter', () => {
    const tracks = ran.outcome.transcript.tracks!;
    assert.deepEqual(tracks.map((t) => t.file), clean.people.map((p, i) => craigName(i, p, 5)));
    assert.deepEqual(tracks.map((t) => t.name), ['Camille', 'Alice', 'Léa', 'Bob', 'Hugo']);
    assert.ok(tracks.every((t) => t.namedBy === 'label'));
    // Named by info.txt, with the players' Discord names: nothing to warn about.
    assert.deepEqual(ran.outcome.warnings, []);
    const hugo = tracks[4]!;
    assert.ok(hugo.duration < Math.max(...tracks.map((t) => t.duration)) / 2, `Hugo's track: ${hugo.duration} s`);
    for (const [i, t] of tracks.entries()) {
      const lines = clean.truth.filter((l) => l.speaker === clean.people[i]!.id);
      const spoken = lines.reduce((n, l) => n + l.end - l.start, 0);
      // Kept: the words, and the VAD's padding around each line (a quarter of a second a side), nothing else.
      assert.ok(t.keptSeconds >= spoken && t.keptSeconds <= spoken + 0.6 * lines.length, `${t.name}: kept ${t.keptSeconds} s for ${spoken.toFixed(1)} s spoken in ${lines.length} lines`);
      assert.ok(t.speechSeconds >= t.keptSeconds - 0.1 && t.bleedSeconds >= 0);
    }
    const md = readFileSync(join(ran.out, 'report.md'), 'utf8');
    assert.match(md, /### Tracks[\s\S]*\| 1-camille\\_mj\.flac \| Camille \| Camille \| label \| 0:00:00 \|/);
    const talk = JSON.parse(readFileSync(join(ran.out, 'transcript.json'), 'utf8')).speakers;
    assert.deepEqual(talk.map((s: { name: string }) => s.name).sort(), ['Alice', 'Bob', 'Camille', 'Hugo', 'Léa']);
  });

  it('puts Craig\'s notes on the timeline: md, txt, json, srt and vtt, and the report', () => {
    const [first, second] = clean.notes;
    const clock = (s: number) => `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
    const md = readFileSync(join(ran.out, 'transcript.md'), 'utf8');
    assert.ok(md.includes(`> **Note** [${clock(first!.time)}] le dragon se réveille`), md.slice(0, 2000));
    assert.ok(md.includes(`> **Note** [${clock(second!.time)}] pause "pizza"`), 'the escaped quotes are read back');
    const txt = readFileSync(join(ran.out, 'transcript.txt'), 'utf8');
    assert.match(txt, /\[00:00:\d\d\] Note: le dragon se réveille\n/);
    const json = JSON.parse(readFileSync(join(ran.out, 'transcript.json'), 'utf8'));
    assert.deepEqual(json.markers, clean.notes);
    assert.match(readFileSync(join(ran.out, 'transcript.srt'), 'utf8'), /\nNote: le dragon se réveille\n/);
    assert.match(readFileSync(join(ran.out, 'transcript.vtt'), 'utf8'), /\n<v Note>le dragon se réveille\n/);
    assert.match(readFileSync(join(ran.out, 'report.md'), 'utf8'), /### Notes\n\n- 0:00:\d\d le dragon se réveille/);
  });
});

describe('bleed: every track also carries the other voices', () => {
  for (const bleedDb of [-20, -10]) {
    it(`at ${bleedDb} dB: no line twice, the right name on ≥ 95 % of speech time, the bleed counted`, async () => {
      const session = await multitrackSession({ seed: 3, seconds: 150, leavesEarly: 4, bleedDb });
      const ran = await transcribe(`bleed${bleedDb}`, await craigFolder(`bleed${bleedDb}`, session));
      const reference = truthBy(session, globalName(session));
      const segments = ran.outcome.transcript.segments;
      assert.deepEqual(duplicated(reference, segments).map((s) => `${s.speaker} ${s.start}-${s.end}`), []);
      const accuracy = segmentNameAccuracy(reference, segments);
      assert.ok(accuracy >= 0.95, `right name on ${(accuracy * 100).toFixed(1)} % of speech time`);
      for (const t of ran.outcome.transcript.tracks!) assert.ok(t.bleedSeconds > 0.25 * t.speechSeconds, `${t.name}: ${t.bleedSeconds} s of ${t.speechSeconds} s dropped as bleed`);
      const trackSeconds = ran.outcome.transcript.tracks!.reduce((n, t) => n + t.duration, 0);
      assert.ok(ran.vad.heard >= 0.75 * trackSeconds, 'a track that hears the others has sound nearly throughout: listened to (almost) whole');
    });
  }

  it('a mic per player with hiss (-15 dB bleed over a -55 dBFS noise floor): no line twice, and pauses are not kept as speech', async () => {
    const session = await multitrackSession({ seed: 3, seconds: 150, leavesEarly: 4, bleedDb: -15, noiseDbfs: -55 });
    const ran = await transcribe('hiss', await craigFolder('hiss', session));
    const reference = truthBy(session, globalName(session));
    assert.deepEqual(duplicated(reference, ran.outcome.transcript.segments).map((s) => `${s.speaker} ${s.start}-${s.end}`), []);
    assert.ok(segmentNameAccuracy(reference, ran.outcome.transcript.segments) >= 0.95);
    for (const [i, t] of ran.outcome.transcript.tracks!.entries()) {
      const lines = session.truth.filter((l) => l.speaker === session.people[i]!.id);
      const spoken = lines.reduce((n, l) => n + l.end - l.start, 0);
      assert.ok(t.keptSeconds >= 0.97 * spoken && t.keptSeconds <= spoken + 0.6 * lines.length, `${t.name}: kept ${t.keptSeconds} s for ${spoken.toFixed(1)} s spoken in ${lines.length} lines`);
    }
  });

  it('Discord echo (the copy 150 ms late, at -12 dB) is dropped too', async () => {
    const session = await multitrackSession({ seed: 3, seconds: 150, leavesEarly: 4, bleedDb: -12, echoMs: 150 });
    const ran = await transcribe('echo', await craigFolder('echo', session));
    const reference = truthBy(session, globalName(session));
    assert.deepEqual(duplicated(reference, ran.outcome.transcript.segments).map((s) => `${s.speaker} ${s.start}-${s.end}`), []);
    assert.ok(segmentNameAccuracy(reference, ran.outcome.transcript.segments) >= 0.95);
  });
});

describe('names and sources', () => {
  it('the zip Craig gives, as is, without info.txt: multitrack because it is Craig\'s, names from the file names', async () => {
    const tracks = join(scratchDir(), 'mt-zip-tracks');
    const paths = await writeTracks(clean, tracks);
    const zip = new JSZip();
    for (const p of paths) zip.file(p.split('/').pop()!, readFileSync(p));
    const dir = join(scratchDir(), 'mt-in-zip');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'craig-AbCdEf123.flac.zip'), await zip.generateAsync({ type: 'nodebuffer' }));
    const ran = await transcribe('zip', dir);
    assert.equal(ran.outcome.transcript.mode, 'multitrack');
    const labels = ran.outcome.transcript.tracks!.map((t) => t.name);
    // 2-alice_w.flac → alice_w; Craig turns "bobby#4242" into bobby_4242, read as bobby with its number suffix.
    assert.deepEqual(labels, ['camille_mj', 'alice_w', 'lea', 'bobby', 'hugo_r']);
    const byLabel = (id: string) => labels[clean.people.findIndex((p) => p.id === id)]!;
    assert.ok(segmentNameAccuracy(truthBy(clean, byLabel), ran.outcome.transcript.segments) >= 0.98);
    const report = readFileSync(join(ran.out, 'report.md'), 'utf8');
    assert.match(report, /craig-AbCdEf123\.flac\.zip is a Craig recording/);
    assert.ok(ran.outcome.warnings.includes('5 tracks are named after their files (camille_mj, alice_w, lea, bobby, hugo_r): report.md lists the context.yaml lines that would give them names'), ran.outcome.warnings.join('\n'));
    // Unnamed tracks: the report suggests the context.yaml lines that would name them.
    assert.match(report, /### Tracks without a name \(5\)[\s\S]*```yaml\nspeakers:\n {2}- \{ id: camille_mj, name: "camille_mj", tracks: \[camille_mj\] \}/);
  });

  it('context.yaml names the tracks by Discord username, id or label (case and accents ignored); overrides apply last', async () => {
    const dir = await craigFolder('ctx', clean);
    const context = [
      'speakers:',
      '  - { id: gm, name: "Camille (MJ)", tracks: [CAMILLE_MJ] }',
      '  - { id: a, name: Alice W., tracks: ["222222222222222222"] }',
      '  - { id: l, name: Léa B., tracks: [LEA] }',
      '  - { id: h, name: Hugo R., nicknames: [hugo_r] }',
      'overrides:',
      '  speakers: { Bob: Robert }',
    ].join('\n');
    const ran = await transcribe('ctx', dir, {}, context);
    const tracks = ran.outcome.transcript.tracks!;
    assert.deepEqual(tracks.map((t) => [t.name, t.namedBy]), [
      ['Camille (MJ)', 'context'],
      ['Alice W.', 'context'],
      ['Léa B.', 'context'],
      ['Robert', 'override'],
      ['Hugo R.', 'context'],
    ]);
    const names: Record<string, string> = { mj: 'Camille (MJ)', alice: 'Alice W.', lea: 'Léa B.', bob: 'Robert', hugo: 'Hugo R.' };
    assert.ok(segmentNameAccuracy(truthBy(clean, (id) => names[id]!), ran.outcome.transcript.segments) >= 0.98);
    assert.doesNotMatch(readFileSync(join(ran.out, 'report.md'), 'utf8'), /Tracks without a name/);
  });

  it('Zoom\'s files, a two-stream file and a multichannel WAV are read as tracks when asked; a stereo file stays one mixed recording', async () => {
    const session = await multitrackSession({ seed: 5, seconds: 40, overlap: { every: 1000, seconds: 0 } });
    const zoom = join(scratchDir(), 'mt-in-zoom');
    await writeTracks(session, zoom, session.people.map((p) => `audio${p.name.normalize('NFD').replace(/\p{M}/gu, '')}${10000 + p.id.length}.m4a`));
    const asked = await transcribe('zoom', zoom, { mode: 'multitrack' });
    // In name order, as the files are listed.
    assert.deepEqual(asked.outcome.transcript.tracks!.map((t) => t.name), ['Alice', 'Bob', 'Camille', 'Hugo', 'Lea']);
    const byName = (id: string) => ({ mj: 'Camille', alice: 'Alice', lea: 'Lea', bob: 'Bob', hugo: 'Hugo' })[id]!;
    assert.ok(segmentNameAccuracy(truthBy(session, byName), asked.outcome.transcript.segments) >= 0.95);
    // Without being asked, Zoom files are parts of one recording, as before.
    const auto = await transcribe('zoom-auto', zoom);
    assert.equal(auto.outcome.transcript.mode, undefined);
    assert.match(readFileSync(join(auto.out, 'report.md'), 'utf8'), /Mode: mixed\. The files were taken as consecutive parts of one recording \(the default\)\. If each file is one person's track/);

    // One file, two audio streams (OBS: one per source), and one 4-channel WAV (a recorder, one mic per channel).
    const wavs = await writeTracks(session, join(scratchDir(), 'mt-wavs'), session.people.map((_, i) => `p${i}.wav`));
    const obs = join(scratchDir(), 'mt-in-obs');
    mkdirSync(obs, { recursive: true });
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', wavs[0]!, '-i', wavs[1]!, '-map', '0:a', '-map', '1:a', '-c:a', 'flac', join(obs, 'obs.mkv')]);
    const streams = await transcribe('obs', obs, { mode: 'multitrack' });
    assert.deepEqual(streams.outcome.transcript.tracks!.map((t) => t.file), ['obs.mkv #1', 'obs.mkv #2']);
    const two = truthBy(session, (id) => (id === 'mj' ? 'obs.mkv #1' : id === 'alice' ? 'obs.mkv #2' : 'nobody')).filter((t) => t.speaker !== 'nobody');
    assert.ok(segmentNameAccuracy(two, streams.outcome.transcript.segments.filter((s) => s.speaker !== undefined)) >= 0.95);

    const rec = join(scratchDir(), 'mt-in-rec');
    mkdirSync(rec, { recursive: true });
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...wavs.slice(0, 4).flatMap((w) => ['-i', w]), '-filter_complex', padded(4), '-t', String(session.duration), '-c:a', 'pcm_s16le', join(rec, 'TASCAM_0001.wav')]);
    const channels = await transcribe('rec', rec, { mode: 'multitrack' });
    assert.deepEqual(channels.outcome.transcript.tracks!.map((t) => t.file), ['TASCAM_0001.wav #1', 'TASCAM_0001.wav #2', 'TASCAM_0001.wav #3', 'TASCAM_0001.wav #4']);
    const four = truthBy(session, (id) => `TASCAM_0001.wav #${['mj', 'alice', 'lea', 'bob'].indexOf(id) + 1}`).filter((t) => !t.speaker.endsWith('#0'));
    assert.ok(segmentNameAccuracy(four, channels.outcome.transcript.segments) >= 0.95);

    // A plain stereo file, mode left to the job: one mixed recording (no tracks).
    const stereo = join(scratchDir(), 'mt-in-stereo');
    mkdirSync(stereo, { recursive: true });
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', wavs[0]!, '-i', wavs[1]!, '-filter_complex', padded(2), '-t', String(session.duration), '-c:a', 'flac', join(stereo, 'table.flac')]);
    const mixed = await transcribe('stereo', stereo);
    assert.equal(mixed.outcome.transcript.mode, undefined);
    assert.equal(mixed.outcome.transcript.tracks, undefined);
    assert.equal(mixed.outcome.transcript.sources.length, 1);
  });

  it('an offset puts an unsynced recorder\'s track later on the timeline', async () => {
    const session = await multitrackSession({ seed: 5, seconds: 40, overlap: { every: 1000, seconds: 0 } });
    const dir = await craigFolder('offset', session);
    const plain = await transcribe('offset0', dir);
    const shifted = await transcribe('offset1', dir, { trackOffsets: { '2-alice_w.flac': 1.5 } });
    const alice = (r: Ran) => r.outcome.transcript.segments.filter((s) => s.speaker === 'Alice');
    assert.ok(alice(plain).length > 0);
    assert.deepEqual(alice(shifted).map((s) => Math.round((s.start - 1.5) * 10) / 10), alice(plain).map((s) => Math.round(s.start * 10) / 10));
    assert.equal(shifted.outcome.transcript.tracks![1]!.offset, 1.5);
  });
});

describe('bad input: a clear message naming the file, the other tracks still transcribed', () => {
  it('a corrupt track, a silent track, an info.txt that does not match the files, two tracks claiming one speaker', async () => {
    const session = await multitrackSession({ seed: 5, seconds: 40, overlap: { every: 1000, seconds: 0 } });
    const dir = await craigFolder('bad', session);
    // Track 3 corrupt, track 5 silent, and info.txt lists a sixth track nobody uploaded and calls track 2 someone else.
    writeFileSync(join(dir, craigName(2, session.people[2]!, 5)), Buffer.concat([Buffer.from('fLaC'), Buffer.alloc(4000, 7)]));
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono', '-t', '20', join(dir, craigName(4, session.people[4]!, 5))]);
    const info = craigInfo(session)
      .replace('\tAlice (alice.w) (222222222222222222)', '\tMallory (mallory) (666)')
      .replace('\r\n\r\nNotes:', '\r\n\tZoé (zoe) (777)\r\n\r\nNotes:');
    writeFileSync(join(dir, 'info.txt'), info);
    const context = 'speakers:\n  - { id: gm, name: Camille, tracks: [camille_mj, bobby] }\n';
    const ran = await transcribe('bad', dir, {}, context);
    const warnings = ran.outcome.warnings.join('\n');
    assert.match(ran.outcome.outputs.report.skipped.map((s) => `${s.name}: ${s.reason}`).join('\n'), /^3-lea\.flac: not readable audio/m);
    assert.match(warnings, /info\.txt lists track 2 as mallory, but the file is 2-alice_w\.flac: it is named after its file/);
    assert.match(warnings, /info\.txt lists track 6 \(Zoé\) but no recording of it was found: check that the zip is complete/);
    assert.match(warnings, /5-hugo_r\.flac: no speech was found on this track/);
    assert.match(warnings, /context\.yaml speaker gm matches 2 tracks \(1-camille_mj\.flac, 4-bobby_4242\.flac\)/);
    const names = new Set(ran.outcome.transcript.segments.map((s) => s.speaker));
    assert.deepEqual(names, new Set(['Camille', 'alice_w']));
    assert.deepEqual(ran.outcome.transcript.tracks!.map((t) => t.file), ['1-camille_mj.flac', '2-alice_w.flac', '4-bobby_4242.flac', '5-hugo_r.flac']);
  });

  it('no track decodes: the decode stage fails with an input error (no retry helps), naming the files', async () => {
    const session = await multitrackSession({ seed: 5, seconds: 40, overlap: { every: 1000, seconds: 0 } });
    const dir = await craigFolder('none', session);
    // ffprobe (the real one) sees audio; the decoder (a stand-in that fails as ffmpeg does on damaged data) reads none.
    const failing = join(scratchDir(), 'failing-ffmpeg');
    writeFileSync(failing, '#!/bin/sh\necho "Invalid data found when processing input" >&2\nexit 1\n', { mode: 0o755 });
    const deps: RunDeps = {
      input: new FileStore(dir),
      output: new FileStore(join(scratchDir(), 'mt-none', 'out')),
      asr: new SpeechIslandsAsr(),
      vad,
      tools: { ...ffmpegTools(), ffmpeg: failing },
      log: memoryLogger(),
      progress: silentProgress,
      workDir: join(scratchDir(), 'mt-none', 'work'),
    };
    await assert.rejects(runSession(settings, deps), (err: unknown) => {
      assert.ok(err instanceof StageError, String(err));
      assert.equal(err.stage, 'decode');
      assert.ok(err.isInputError, 'an input error: Cloud Run is not asked to retry');
      assert.match(err.message, /No track could be decoded: 1-camille_mj\.flac \(.*Invalid data found.*\); .*Upload the recordings again\./);
      return true;
    });
  });
});
