/**
 * Real meetings (../shared/real-speech: nine 30 s AMI excerpts, far-field, overlaps; see its README): speech
 * detection and the model-free diarization measured against the reference, the standard way (collar 0.25 s,
 * overlapping reference speech counted per speaker, best one-to-one mapping). CI has the folder beside the clone; a
 * user's clone does not, and these tests skip there, saying so.
 *
 * What the figures mean (issue 9): speech detection keeps 90 % of the reference speech (83 % before the level
 * normalisation and the 250 ms padding). A far conversation behind one meeting (trn04, 27–32 dB under its speech)
 * is set aside as faint talk (it was 3.5 s of false alarm: DER 27.9 % → 25.4 %). The DER is 25 %, above the 20 %
 * asked: with the right speaker on every moment of the detected speech it would still be 21 % (bench/speakers.bench.ts),
 * because 15 % of the reference is a second voice over the first (one label per moment cannot score it) and Silero
 * hears laughter and whispers (trn01, trn07) as non-speech. The rest, 4 %, is the model-free embedder putting one
 * label on real voices it cannot tell apart (one speaker per excerpt); the neural model is the answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcmFile } from '../../../job/audio/pcm.js';
import { diarize } from '../../../job/diarize/diarize.js';
import { SpectralEmbedder } from '../../../job/engines/embedder-spectral.js';
import { SileroVad } from '../../../job/engines/silero-vad.js';
import { identifyTurns } from '../../../job/stages/speakers.js';
import { detectSpeech } from '../../../job/stages/vad.js';
import { SessionContextSchema } from '../../../lib/contracts/context.js';
import { diarizationErrorRate, type LabelledTurn } from '../../support/der.js';
import { excerptPcm, realExcerpts, realSpeechAvailable, REAL_SPEECH_DIR, unionSeconds } from '../../support/real-speech.js';
import { requires } from '../../support/requires.js';

const available = realSpeechAvailable();
const what = `the real meeting excerpts in ${REAL_SPEECH_DIR} (CI has them beside the clone; set REAL_SPEECH_DIR elsewhere)`;

interface Scored {
  name: string;
  regions: Array<{ start: number; end: number }>;
  faint: Array<{ start: number; end: number }>;
  reference: LabelledTurn[];
  turns: LabelledTurn[];
}

let scored: Promise<Scored[]> | undefined;
function score(): Promise<Scored[]> {
  scored ??= (async () => {
    const vad = await SileroVad.create();
    const embedder = new SpectralEmbedder();
    const out: Scored[] = [];
    for (const x of realExcerpts()) {
      const pcm = await PcmFile.open(await excerptPcm(x));
      try {
        const { regions, faint } = await detectSpeech(pcm, vad, { threshold: 0.5 });
        const turns = regions.length > 0 ? (await diarize(pcm, regions, embedder)).turns : [];
        out.push({ name: x.name, regions, faint, reference: x.reference, turns });
      } finally {
        await pcm.close();
      }
    }
    return out;
  })();
  return scored;
}

test('speech detection keeps at least 90 % of the reference speech of real far-field meetings', async (t) => {
  if (!requires(t, available || undefined, what)) return;
  let kept = 0;
  let total = 0;
  for (const s of await score()) {
    const k = unionSeconds(s.reference, s.regions);
    const all = unionSeconds(s.reference, [{ start: 0, end: Infinity }]);
    t.diagnostic(`${s.name}: ${k.toFixed(1)} of ${all.toFixed(1)} s kept`);
    kept += k;
    total += all;
  }
  t.diagnostic(`all: ${((100 * kept) / total).toFixed(1)} % of ${total.toFixed(1)} s of reference speech kept`);
  assert.ok(kept / total >= 0.9, `${((100 * kept) / total).toFixed(1)} % kept`);
});

test('faint talk far behind the table is set aside, and none of the meetings\' own speech with it', async (t) => {
  if (!requires(t, available || undefined, what)) return;
  let aside = 0;
  let speech = 0;
  for (const s of await score()) {
    const seconds = s.faint.reduce((a, r) => a + (r.end - r.start), 0);
    if (seconds > 0) t.diagnostic(`${s.name}: ${seconds.toFixed(1)} s set aside, ${unionSeconds(s.reference, s.faint).toFixed(2)} s of it in the reference`);
    aside += seconds;
    speech += unionSeconds(s.reference, s.faint);
  }
  // trn04: three murmurs of a far conversation, 3.5 s in all, that the reference does not count as the meeting's.
  assert.ok(aside >= 3, `${aside.toFixed(1)} s set aside`);
  assert.ok(speech <= 0.1, `${speech.toFixed(2)} s of the reference set aside`);
});

test('diarization of real meetings with the model-free embedder: DER measured (collar 0.25 s), at most 30 %', async (t) => {
  if (!requires(t, available || undefined, what)) return;
  let [missed, falseAlarm, confusion, total] = [0, 0, 0, 0];
  for (const s of await score()) {
    const r = diarizationErrorRate(s.reference, s.turns);
    t.diagnostic(`${s.name}: DER ${(r.der * 100).toFixed(1)} % (${new Set(s.turns.map((x) => x.speaker)).size} speakers found, ${new Set(s.reference.map((x) => x.speaker)).size} in the reference)`);
    [missed, falseAlarm, confusion, total] = [missed + r.missed, falseAlarm + r.falseAlarm, confusion + r.confusion, total + r.scored];
  }
  const der = (missed + falseAlarm + confusion) / total;
  t.diagnostic(`all: DER ${(der * 100).toFixed(1)} % (missed ${((100 * missed) / total).toFixed(1)}, false alarm ${((100 * falseAlarm) / total).toFixed(1)}, confusion ${((100 * confusion) / total).toFixed(1)})`);
  assert.ok(der <= 0.3, `DER ${(der * 100).toFixed(1)} %`);
});

test('a real meeting heard as fewer voices than context.yaml lists: the report says so and what to do', async (t) => {
  if (!requires(t, available || undefined, what)) return;
  // trn08: four people, heard as one voice by the model-free embedder.
  const x = realExcerpts().find((e) => e.name === 'trn08')!;
  const people = [...new Set(x.reference.map((r) => r.speaker))];
  const context = SessionContextSchema.parse({ speakers: people.map((name, i) => ({ id: `p${i + 1}`, name })) });
  const pcm = await PcmFile.open(await excerptPcm(x));
  try {
    const { regions } = await detectSpeech(pcm, await SileroVad.create(), { threshold: 0.5 });
    const found = await identifyTurns(pcm, regions, new SpectralEmbedder(), { hints: { min: undefined, max: undefined }, context, readSample: () => assert.fail('no samples') });
    t.diagnostic(found.warnings.join(' | '));
    const voices = new Set(found.turns.map((r) => r.speaker)).size;
    assert.ok(voices < people.length, `${voices} voices told apart`);
    const warning = found.warnings.find((w) => w.startsWith(`Only ${voices} voice`));
    assert.ok(warning, 'the report warns');
    assert.match(warning, /but context\.yaml lists 4 speakers/);
    assert.match(warning, /use the neural speaker model/);
    assert.match(warning, /add a voice sample for MEE089, FEE087, FEE088 and MEO086/, 'none of them has one');
    assert.doesNotMatch(warning, /min_speakers/, 'forced to 4, the model-free embedder mixes these voices up more');
  } finally {
    await pcm.close();
  }
});
