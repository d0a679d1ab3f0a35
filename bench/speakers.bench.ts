/**
 * Speakers on real and generated recordings (issue 9), the figures of the README's performance section:
 *  1. the real meetings of ../shared/real-speech (skipped, saying so, where the folder is absent, as in a user's
 *     clone): speech kept by the VAD, DER with missed / false alarm / confusion (collar 0.25 s, overlaps per
 *     speaker), and the DER the same speech regions would get with the right speaker on every moment (the floor a
 *     one-label-per-moment diarizer cannot go below), and the DER when told the true number of speakers; with
 *     the model-free embedder, then with the neural one where `make model` put it (models/speaker-embedding.onnx,
 *     or SPEAKER_MODEL_PATH), so that a machine with the model measures the 20 % target on it;
 *  2. the level sweep: one generated session from -30 to +10 dB relative to its voice samples, and a player 15 dB
 *     quieter than the others;
 *  3. players answering each other without pauses: one pass of diarization against the default passes, and the
 *     speakers stage with voice samples, which counts fused voices again;
 *  4. players answering with short replies ("Oui.", "Okay."): every segment clustered against short segments given
 *     the nearest voice afterwards (the default), side by side.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcmFile } from '../job/audio/pcm.js';
import { speechLevel } from '../job/audio/level.js';
import { diarize, DIARIZE_DEFAULTS } from '../job/diarize/diarize.js';
import type { SpeakerEmbedder } from '../job/engines/embedder.js';
import { createSpeakerEmbedder } from '../job/engines/embedder-factory.js';
import { SpectralEmbedder } from '../job/engines/embedder-spectral.js';
import { defaultSpeakerModel, SPEAKER_MODEL_FILE, SPEAKER_MODEL_HINT } from '../job/engines/speaker-model.js';
import { SileroVad } from '../job/engines/silero-vad.js';
import { identifySessionSpeakers, identifyTurns } from '../job/stages/speakers.js';
import { detectSpeech } from '../job/stages/vad.js';
import { SessionContextSchema } from '../lib/contracts/context.js';
import { diarizationErrorRate, nameAccuracy, type LabelledTurn } from '../test/support/der.js';
import { scratchDir } from '../test/support/fixtures.js';
import { excerptPcm, realExcerpts, realSpeechAvailable, REAL_SPEECH_DIR, unionSeconds } from '../test/support/real-speech.js';
import { rpgSession, RPG_SPEAKERS, vadLikeRegions, voiceSample, writeSessionPcm } from '../test/support/rpg-session.js';

const vad = await SileroVad.create();
const embedder = new SpectralEmbedder();
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** The neural model where `make model` put it (or SPEAKER_MODEL_PATH names it): the real meetings are scored with it too. */
async function neuralEmbedder(): Promise<SpeakerEmbedder | undefined> {
  const path = process.env.SPEAKER_MODEL_PATH || defaultSpeakerModel('models');
  if (!path) {
    console.log(`real meetings, neural embedder: skipped, no models/${SPEAKER_MODEL_FILE} (${SPEAKER_MODEL_HINT} to measure it)`);
    return undefined;
  }
  return createSpeakerEmbedder({ modelPath: path });
}

async function realMeetings(embedder: SpeakerEmbedder): Promise<void> {
  if (!realSpeechAvailable()) {
    console.log(`real meetings: skipped, no ${REAL_SPEECH_DIR} (CI has it; set REAL_SPEECH_DIR to score elsewhere)`);
    return;
  }
  console.log(`real meetings (${REAL_SPEECH_DIR}), ${embedder.description}, collar 0.25 s:`);
  const sum = { kept: 0, speech: 0, missed: 0, fa: 0, confusion: 0, scored: 0, floor: 0, forced: 0 };
  for (const x of realExcerpts()) {
    const pcm = await PcmFile.open(await excerptPcm(x));
    const { regions, gainDb } = await detectSpeech(pcm, vad, { threshold: 0.5 });
    const turns = regions.length > 0 ? (await diarize(pcm, regions, embedder)).turns : [];
    // What `min_speakers` set to the true count would do (the report's advice only with the neural model).
    const count = new Set(x.reference.map((t) => t.speaker)).size;
    const forced = regions.length > 0 ? (await diarize(pcm, regions, embedder, { minSpeakers: count })).turns : [];
    await pcm.close();
    const r = diarizationErrorRate(x.reference, turns);
    const floor = diarizationErrorRate(x.reference, rightSpeakerOn(regions, x.reference));
    const kept = unionSeconds(x.reference, regions);
    const speech = unionSeconds(x.reference, [{ start: 0, end: Infinity }]);
    const f = diarizationErrorRate(x.reference, forced);
    Object.assign(sum, {
      kept: sum.kept + kept,
      speech: sum.speech + speech,
      missed: sum.missed + r.missed,
      fa: sum.fa + r.falseAlarm,
      confusion: sum.confusion + r.confusion,
      scored: sum.scored + r.scored,
      floor: sum.floor + floor.der * floor.scored,
      forced: sum.forced + f.der * f.scored,
    });
    console.log(
      `  ${x.name}: gain ${gainDb.toFixed(0).padStart(2)} dB, speech kept ${pct(kept / speech).padStart(7)}, DER ${pct(r.der).padStart(7)}, speakers found ${new Set(turns.map((t) => t.speaker)).size} of ${count}`,
    );
  }
  const der = (sum.missed + sum.fa + sum.confusion) / sum.scored;
  console.log(`  all: speech kept ${pct(sum.kept / sum.speech)} (target >= 90 %); DER ${pct(der)} (missed ${pct(sum.missed / sum.scored)}, false alarm ${pct(sum.fa / sum.scored)}, confusion ${pct(sum.confusion / sum.scored)}; target <= 20 %)`);
  console.log(`  the right speaker on every moment of the same speech regions would score DER ${pct(sum.floor / sum.scored)}`);
  console.log(`  told the true number of speakers (min_speakers): DER ${pct(sum.forced / sum.scored)}`);
}

/** Each detected region cut every 0.1 s, each piece given the reference speaker who talks most in it. */
function rightSpeakerOn(regions: ReadonlyArray<{ start: number; end: number }>, reference: readonly LabelledTurn[]): LabelledTurn[] {
  const out: LabelledTurn[] = [];
  const speakers = [...new Set(reference.map((t) => t.speaker))];
  for (const r of regions) {
    for (let t = r.start; t < r.end; t += 0.1) {
      const e = Math.min(r.end, t + 0.1);
      const talk = speakers.map((s) => reference.filter((q) => q.speaker === s).reduce((a, q) => a + Math.max(0, Math.min(e, q.end) - Math.max(t, q.start)), 0));
      const best = talk.indexOf(Math.max(...talk));
      const speaker = talk[best]! > 0 ? speakers[best]! : (out.at(-1)?.speaker ?? speakers[0]!);
      const last = out.at(-1);
      if (last && last.speaker === speaker && Math.abs(last.end - t) < 1e-9) last.end = e;
      else out.push({ start: t, end: e, speaker });
    }
  }
  return out;
}

async function levelSweep(): Promise<void> {
  const session = await rpgSession({ seed: 1, seconds: 120 });
  const nominal = join(scratchDir(), 'sweep-nominal.pcm');
  writeFileSync(nominal, Buffer.from(session.pcm.buffer));
  const probe = await PcmFile.open(nominal);
  const base = 10 ** ((-20 - (await speechLevel(probe))) / 20);
  await probe.close();
  const samples = new Map<string, Float32Array>();
  for (const s of RPG_SPEAKERS) for (const i of [0, 1]) samples.set(`voices/${s.id}-${i}.wav`, Float32Array.from(await voiceSample(s, i), (x) => (x * base) / 32768));
  const context = SessionContextSchema.parse({ speakers: RPG_SPEAKERS.map((s) => ({ id: s.id, name: s.name, voice_samples: [`voices/${s.id}-0.wav`, `voices/${s.id}-1.wav`] })) });
  const truth = session.truth.map((t) => ({ ...t, speaker: RPG_SPEAKERS.find((s) => s.id === t.speaker)!.name }));
  console.log('level sweep: a 2-minute generated session, 4 voices, samples at -20 dBFS, the session moved against them:');
  const cases: Array<[string, (speaker: string) => number]> = [
    ...[-30, -20, -10, 0, 10].map((db) => [`${db > 0 ? '+' : ''}${db} dB`, () => db] as [string, (speaker: string) => number]),
    [`${RPG_SPEAKERS[2]!.name} alone -15 dB (far from the mic)`, (s) => (s === RPG_SPEAKERS[2]!.id ? -15 : 0)],
  ];
  for (const [label, gainOf] of cases) {
    const pcm16 = Int16Array.from(session.pcm);
    for (const line of session.truth) {
      const g = base * 10 ** (gainOf(line.speaker) / 20);
      for (let i = Math.floor(line.start * 16000); i < Math.ceil(line.end * 16000) && i < pcm16.length; i++) pcm16[i] = Math.max(-32768, Math.min(32767, Math.round(session.pcm[i]! * g)));
    }
    const path = join(scratchDir(), 'sweep.pcm');
    writeFileSync(path, Buffer.from(pcm16.buffer));
    const pcm = await PcmFile.open(path);
    const { regions } = await detectSpeech(pcm, vad, { threshold: 0.5 });
    const d = await diarize(pcm, regions, embedder);
    const id = await identifySessionSpeakers(d, context, async (p) => samples.get(p)!, embedder);
    await pcm.close();
    console.log(`  ${label.padEnd(34)} DER ${pct(diarizationErrorRate(truth, id.turns).der).padStart(7)}, right name ${pct(nameAccuracy(truth, id.turns)).padStart(7)}, ${d.clusters.length} speakers`);
  }
}

async function withoutPauses(): Promise<void> {
  console.log(
    `players answering with pauses of 0-0.8 s (3-minute generated sessions; regions as a VAD joins them): 1 pass against ${DIARIZE_DEFAULTS.passes}, then the speakers stage with a voice sample of each player (fused voices counted again)`,
  );
  const samples = new Map<string, Float32Array>();
  for (const s of RPG_SPEAKERS) for (const i of [0, 1]) samples.set(`voices/${s.id}-${i}.wav`, Float32Array.from(await voiceSample(s, i), (x) => x / 32768));
  const context = SessionContextSchema.parse({ speakers: RPG_SPEAKERS.map((s) => ({ id: s.id, name: s.name, voice_samples: [`voices/${s.id}-0.wav`, `voices/${s.id}-1.wav`] })) });
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const session = await rpgSession({ seed, seconds: 180, pauses: [0, 0.8] });
    const regions = vadLikeRegions(session);
    const pcm = await PcmFile.open(await writeSessionPcm(session, `bench-passes-${seed}`));
    const once = await diarize(pcm, regions, embedder, { passes: 1 });
    const all = await diarize(pcm, regions, embedder);
    const named = await identifyTurns(pcm, regions, embedder, { hints: { min: undefined, max: undefined }, context, readSample: async (p) => samples.get(p)! });
    await pcm.close();
    const truth = session.truth.map((t) => ({ ...t, speaker: RPG_SPEAKERS.find((s) => s.id === t.speaker)!.name }));
    console.log(
      `  seed ${seed}: ${regions.length} regions for ${session.truth.length} lines; DER 1 pass ${pct(diarizationErrorRate(session.truth, once.turns).der).padStart(7)} (${once.clusters.length} speakers), ${DIARIZE_DEFAULTS.passes} passes ${pct(diarizationErrorRate(session.truth, all.turns).der).padStart(7)} (${all.clusters.length}); with samples ${pct(diarizationErrorRate(truth, named.turns).der).padStart(7)}, right name ${pct(nameAccuracy(truth, named.turns)).padStart(7)}${named.recounts.length > 0 ? `, counted again for ${named.recounts.flat().join(', ')}` : ''}`,
    );
  }
}

async function shortReplies(): Promise<void> {
  console.log(`players answering with short replies (3 lines in 10; 3-minute generated sessions, real VAD): every segment clustered against segments under ${DIARIZE_DEFAULTS.minItemSeconds} s given the nearest voice`);
  for (const seed of [1, 2, 3]) {
    const session = await rpgSession({ seed, seconds: 180, replies: 0.3 });
    const pcm = await PcmFile.open(await writeSessionPcm(session, `bench-replies-${seed}`));
    const { regions } = await detectSpeech(pcm, vad, { threshold: 0.5 });
    const all = await diarize(pcm, regions, embedder, { minItemSeconds: 0 });
    const apart = await diarize(pcm, regions, embedder);
    await pcm.close();
    const replies = session.truth.filter((l) => l.end - l.start < 1).length;
    console.log(
      `  seed ${seed}: ${replies} replies of ${session.truth.length} lines; DER all clustered ${pct(diarizationErrorRate(session.truth, all.turns).der).padStart(7)} (${all.clusters.length} speakers), replies apart ${pct(diarizationErrorRate(session.truth, apart.turns).der).padStart(7)} (${apart.clusters.length})`,
    );
  }
}

await realMeetings(embedder);
const neural = realSpeechAvailable() ? await neuralEmbedder() : undefined;
if (neural) await realMeetings(neural);
await levelSweep();
await withoutPauses();
await shortReplies();
