/**
 * Acceptance of diarization and naming on generated role-playing sessions (espeak-ng voices, French and English,
 * pauses of 0.3–1.5 s), with the model-free embedder, scored by DER with a 0.25 s collar. Speech regions are the
 * ground truth padded as a VAD pads them, so these tests measure diarization, not the VAD.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcmFile } from '../../../job/audio/pcm.js';
import { SessionContextSchema, type SessionContext } from '../../../lib/contracts/context.js';
import { SpectralEmbedder } from '../../../job/engines/embedder-spectral.js';
import { diarize, type Diarization } from '../../../job/diarize/diarize.js';
import { identifySessionSpeakers } from '../../../job/stages/speakers.js';
import { SampleUnavailable } from '../../../job/diarize/voice-samples.js';
import { diarizationErrorRate, nameAccuracy, type LabelledTurn } from '../../support/der.js';
import { joinSessions, rpgSession, RPG_SPEAKERS, truthRegions, voiceSample, writeSessionPcm, type RpgSession } from '../../support/rpg-session.js';

const embedder = new SpectralEmbedder();

async function run(session: RpgSession, name: string): Promise<Diarization> {
  const pcm = await PcmFile.open(await writeSessionPcm(session, name));
  try {
    return await diarize(pcm, truthRegions(session), embedder);
  } finally {
    await pcm.close();
  }
}

/** Voice samples as the pipeline reads them: path → 16 kHz floats, or SampleUnavailable like a missing file. */
const sampleFiles = new Map<string, Float32Array>();
async function readSample(path: string): Promise<Float32Array> {
  const hit = sampleFiles.get(path);
  if (!hit) throw new SampleUnavailable('missing', `ENOENT: no such file or directory, open '${path}'`);
  return hit;
}

async function contextWithSamples(overrides: Record<string, string> = {}): Promise<SessionContext> {
  for (const s of RPG_SPEAKERS) {
    for (const i of [0, 1]) sampleFiles.set(`voices/${s.id}-${i}.wav`, Float32Array.from(await voiceSample(s, i), (x) => x / 32768));
  }
  return SessionContextSchema.parse({
    speakers: RPG_SPEAKERS.map((s) => ({ id: s.id, name: s.name, voice_samples: [`voices/${s.id}-0.wav`, `voices/${s.id}-1.wav`] })),
    overrides: { speakers: overrides },
  });
}

const byName = (truth: readonly LabelledTurn[]): LabelledTurn[] =>
  truth.map((t) => ({ ...t, speaker: RPG_SPEAKERS.find((s) => s.id === t.speaker)!.name }));

let main: Promise<{ session: RpgSession; diarization: Diarization }> | undefined;
function mainSession() {
  main ??= (async () => {
    const session = await rpgSession({ seed: 1, seconds: 90 });
    return { session, diarization: await run(session, 'main') };
  })();
  return main;
}

test('four voices with samples: DER <= 10 % and the right name on >= 90 % of speech time', async () => {
  const { session, diarization } = await mainSession();
  assert.ok(session.duration >= 60 && session.duration <= 120, `session lasts ${session.duration} s`);
  assert.match(diarization.embedder, /model-free/);
  const identity = await identifySessionSpeakers(diarization, await contextWithSamples(), readSample, embedder);
  const truth = byName(session.truth);
  const { der } = diarizationErrorRate(truth, identity.turns);
  const named = nameAccuracy(truth, identity.turns);
  assert.ok(der <= 0.1, `DER ${(der * 100).toFixed(1)} %`);
  assert.ok(named >= 0.9, `right name on ${(named * 100).toFixed(1)} % of speech`);
  assert.deepEqual(identity.warnings, []);
  for (const n of identity.names.values()) if (n.source === 'voice-sample') assert.ok(n.confidence! > 0 && n.confidence! <= 1);
});

test('without samples: SPK1..n in order of first appearance, the right count ±1, and overrides rename them', async () => {
  const { session, diarization } = await mainSession();
  const labels = [...new Set(diarization.turns.map((t) => t.speaker))];
  assert.deepEqual(labels, labels.map((_, i) => `SPK${i + 1}`));
  assert.ok(Math.abs(labels.length - RPG_SPEAKERS.length) <= 1, `${labels.length} clusters`);
  const { der } = diarizationErrorRate(session.truth, diarization.turns);
  assert.ok(der <= 0.1, `DER ${(der * 100).toFixed(1)} %`);

  const context = SessionContextSchema.parse({ overrides: { speakers: { SPK1: 'Alice', SPK2: 'Zoé', SPK9: 'Nobody' } } });
  const identity = await identifySessionSpeakers(diarization, context, readSample, embedder);
  assert.deepEqual(identity.names.get('SPK1'), { name: 'Alice', source: 'override' });
  assert.deepEqual(identity.names.get('SPK2'), { name: 'Zoé', source: 'override' });
  assert.deepEqual(identity.unmatched, labels.slice(2));
  assert.deepEqual(new Set(identity.turns.map((t) => t.speaker)), new Set(['Alice', 'Zoé', ...labels.slice(2)]));
  assert.match(identity.warnings.join('\n'), /overrides\.speakers\.SPK9: this run has no cluster SPK9/);
});

test('an override wins over a voice-sample match', async () => {
  const { diarization } = await mainSession();
  const identity = await identifySessionSpeakers(diarization, await contextWithSamples({ SPK1: 'Le Maître' }), readSample, embedder);
  assert.deepEqual(identity.names.get('SPK1'), { name: 'Le Maître', source: 'override' });
  assert.equal([...identity.names.values()].filter((n) => n.source === 'voice-sample').length, RPG_SPEAKERS.length - 1);
});

test('a silent, a missing and a too-short voice sample are warnings; the other samples still name their speakers', async () => {
  const { session, diarization } = await mainSession();
  const context = await contextWithSamples();
  sampleFiles.set('voices/silence.wav', new Float32Array(3 * 16000));
  sampleFiles.set('voices/blip.wav', Float32Array.from((await voiceSample(RPG_SPEAKERS[1]!, 0)).subarray(0, 8000), (x) => x / 32768));
  const broken = SessionContextSchema.parse({
    ...context,
    speakers: context.speakers.map((s) => (s.id === 'lea' ? { ...s, voice_samples: ['voices/silence.wav', 'voices/absent.wav', 'voices/blip.wav'] } : s)),
  });
  const identity = await identifySessionSpeakers(diarization, broken, readSample, embedder);
  assert.deepEqual(
    identity.sampleProblems.map((p) => [p.path, p.kind]),
    [
      ['voices/silence.wav', 'silent'],
      ['voices/absent.wav', 'missing'],
      ['voices/blip.wav', 'too-short'],
    ],
  );
  for (const w of identity.warnings.slice(0, 3)) assert.match(w, /^voice sample voices\/\S+ \(speaker lea\): /);
  const names = [...identity.names.values()].map((n) => n.name).sort();
  assert.deepEqual(names.filter((n) => !n.startsWith('SPK')), ['Alice', 'Bob', 'Camille']);
  const truth = byName(session.truth).filter((t) => t.speaker !== 'Léa');
  assert.ok(nameAccuracy(truth, identity.turns) >= 0.9);
});

test('one speaker: one cluster, named from its sample', async () => {
  const session = await rpgSession({ seed: 4, seconds: 35, speakers: [RPG_SPEAKERS[0]!] });
  const diarization = await run(session, 'solo');
  assert.deepEqual([...new Set(diarization.turns.map((t) => t.speaker))], ['SPK1']);
  const context = await contextWithSamples();
  const identity = await identifySessionSpeakers(diarization, context, readSample, embedder);
  assert.equal(identity.names.get('SPK1')?.name, 'Camille');
  assert.equal(identity.names.get('SPK1')?.source, 'voice-sample');
});

test('two files of one session share one set of labels', async () => {
  const [first, second] = await Promise.all([rpgSession({ seed: 2, seconds: 45 }), rpgSession({ seed: 3, seconds: 45 })]);
  const joined = joinSessions(first, second);
  const diarization = await run(joined, 'two-files');
  const { der } = diarizationErrorRate(joined.truth, diarization.turns);
  assert.ok(der <= 0.1, `DER ${(der * 100).toFixed(1)} %`);
  const part = (from: number, to: number) => ({
    truth: joined.truth.filter((t) => t.start >= from && t.end <= to),
    turns: diarization.turns.filter((t) => t.start >= from && t.end <= to),
  });
  const a = part(0, first.duration);
  const b = part(first.duration, joined.duration);
  const mapA = diarizationErrorRate(a.truth, a.turns).mapping;
  const mapB = diarizationErrorRate(b.truth, b.turns).mapping;
  for (const [hyp, ref] of mapA) if ([...mapB.values()].includes(ref)) assert.equal(mapB.get(hyp), ref, `${ref} is ${hyp} in the first file`);
});

test('a long session keeps its four voices: the stopping threshold does not fall as segments multiply', async () => {
  // Ten minutes, every line said with its own speed and pitch (lines repeat in long sessions; identical audio would
  // not). With the spread measured against every segment, such sessions came out as dozens of clusters.
  const session = await rpgSession({ seed: 11, seconds: 600, vary: true });
  const diarization = await run(session, 'long');
  const labels = new Set(diarization.turns.map((t) => t.speaker));
  assert.ok(Math.abs(labels.size - RPG_SPEAKERS.length) <= 1, `${labels.size} clusters`);
  const { der } = diarizationErrorRate(session.truth, diarization.turns);
  assert.ok(der <= 0.1, `DER ${(der * 100).toFixed(1)} %`);
});
