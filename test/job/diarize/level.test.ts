/**
 * Speakers whatever the recording's level (issue 9): the same generated session played from 30 dB quieter to 10 dB
 * louder than its voice samples, through the real speech detection (Silero, with the level normalisation) and the
 * model-free embedder, keeps its four voices and their names; so does a session where one player sits far from the
 * microphone (their voice alone 15 dB quieter all session).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { speechLevel } from '../../../job/audio/level.js';
import { PcmFile } from '../../../job/audio/pcm.js';
import { diarize } from '../../../job/diarize/diarize.js';
import { SpectralEmbedder } from '../../../job/engines/embedder-spectral.js';
import { SileroVad } from '../../../job/engines/silero-vad.js';
import { DEFAULT_VAD_OPTIONS } from '../../../job/engines/vad.js';
import { identifySessionSpeakers } from '../../../job/stages/speakers.js';
import { detectSpeech } from '../../../job/stages/vad.js';
import { SessionContextSchema, type SessionContext } from '../../../lib/contracts/context.js';
import { diarizationErrorRate, nameAccuracy, type LabelledTurn } from '../../support/der.js';
import { scratchDir } from '../../support/fixtures.js';
import { rpgSession, RPG_SPEAKERS, voiceSample, type RpgSession } from '../../support/rpg-session.js';

const embedder = new SpectralEmbedder();
let vad: SileroVad;
let session: RpgSession;
let base: number;
const samples = new Map<string, Float32Array>();
let context: SessionContext;

/** The session's speech at -20 dBFS (a phone near the players) before any test gain; samples at the same level. */
const NOMINAL_DB = -20;

before(async () => {
  vad = await SileroVad.create();
  session = await rpgSession({ seed: 1, seconds: 120 });
  const path = join(scratchDir(), 'level-nominal.pcm');
  writeFileSync(path, Buffer.from(session.pcm.buffer));
  const pcm = await PcmFile.open(path);
  base = 10 ** ((NOMINAL_DB - (await speechLevel(pcm))) / 20);
  await pcm.close();
  for (const s of RPG_SPEAKERS) for (const i of [0, 1]) samples.set(`voices/${s.id}-${i}.wav`, Float32Array.from(await voiceSample(s, i), (x) => (x * base) / 32768));
  context = SessionContextSchema.parse({ speakers: RPG_SPEAKERS.map((s) => ({ id: s.id, name: s.name, voice_samples: [`voices/${s.id}-0.wav`, `voices/${s.id}-1.wav`] })) });
});

const byName = (truth: readonly LabelledTurn[]) => truth.map((t) => ({ ...t, speaker: RPG_SPEAKERS.find((s) => s.id === t.speaker)!.name }));

/** The pipeline's speakers path on the session with `gainOf(line)` dB applied to each line's speech. */
async function speakers(name: string, gainOf: (speaker: string) => number) {
  const pcm16 = Int16Array.from(session.pcm);
  for (const line of session.truth) {
    const g = base * 10 ** (gainOf(line.speaker) / 20);
    for (let i = Math.floor(line.start * 16000); i < Math.ceil(line.end * 16000) && i < pcm16.length; i++) pcm16[i] = Math.max(-32768, Math.min(32767, Math.round(session.pcm[i]! * g)));
  }
  const path = join(scratchDir(), `level-${name}.pcm`);
  writeFileSync(path, Buffer.from(pcm16.buffer));
  const pcm = await PcmFile.open(path);
  try {
    const { regions, faint } = await detectSpeech(pcm, vad, { threshold: DEFAULT_VAD_OPTIONS.threshold });
    const diarization = await diarize(pcm, regions, embedder);
    const identity = await identifySessionSpeakers(diarization, context, async (p) => samples.get(p)!, embedder);
    const truth = byName(session.truth);
    return { faint, der: diarizationErrorRate(truth, identity.turns).der, named: nameAccuracy(truth, identity.turns), clusters: diarization.clusters.length, names: [...identity.names.values()].map((n) => n.name) };
  } finally {
    await pcm.close();
  }
}

for (const db of [-30, -20, -10, 0, 10]) {
  test(`a session ${db > 0 ? '+' : ''}${db} dB from its voice samples: DER <= 2 % and the right name on >= 95 % of speech`, async (t) => {
    const r = await speakers(`sweep${db}`, () => db);
    t.diagnostic(`${db} dB: DER ${(r.der * 100).toFixed(1)} %, names ${(r.named * 100).toFixed(1)} %, ${r.clusters} clusters: ${r.names.join(', ')}`);
    assert.deepEqual(r.faint, [], 'no speech of the table set aside as faint');
    assert.equal(r.clusters, 4);
    assert.ok(r.der <= 0.02, `DER ${(r.der * 100).toFixed(1)} %`);
    assert.ok(r.named >= 0.95, `right name on ${(r.named * 100).toFixed(1)} %`);
  });
}

test('one player far from the microphone (their voice alone 15 dB quieter all session): still one speaker, with their name', async (t) => {
  const far = RPG_SPEAKERS[2]!.id;
  const r = await speakers('far', (speaker) => (speaker === far ? -15 : 0));
  t.diagnostic(`far player ${far}: DER ${(r.der * 100).toFixed(1)} %, names ${(r.named * 100).toFixed(1)} %, ${r.clusters} clusters: ${r.names.join(', ')}`);
  assert.deepEqual(r.faint, [], 'the far player is not set aside as talk far from the table');
  assert.equal(r.clusters, 4);
  assert.ok(r.names.includes(RPG_SPEAKERS[2]!.name), r.names.join(', '));
  assert.ok(r.der <= 0.02, `DER ${(r.der * 100).toFixed(1)} %`);
  assert.ok(r.named >= 0.95, `right name on ${(r.named * 100).toFixed(1)} %`);
});
