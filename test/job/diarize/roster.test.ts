/**
 * The voices told apart against the players context.yaml lists (job/diarize/roster.ts): when they do not add up, the
 * report says so, names who has no line, and says what to change. Pure cases, then the speakers stage on a long
 * session of one voice; the stage with players listed on generated sessions in fused.test.ts, and on a real meeting
 * in real-speech.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcmFile } from '../../../job/audio/pcm.js';
import type { SpeakerName } from '../../../job/diarize/identify.js';
import { LONE_VOICE_SECONDS, rosterWarnings, type RosterInput } from '../../../job/diarize/roster.js';
import { SpectralEmbedder } from '../../../job/engines/embedder-spectral.js';
import { identifyTurns } from '../../../job/stages/speakers.js';
import { SessionContextSchema } from '../../../lib/contracts/context.js';
import { rpgSession, RPG_SPEAKERS, vadLikeRegions, writeSessionPcm } from '../../support/rpg-session.js';

const players = [
  { id: 'alice', name: 'Alice', hasSample: true },
  { id: 'bob', name: 'Bob', hasSample: false },
  { id: 'chloe', name: 'Chloé', hasSample: true },
  { id: 'david', name: 'David', hasSample: false },
];
const bySample = (cluster: string, id: string, name: string): [string, SpeakerName] => [cluster, { name, source: 'voice-sample', speakerId: id }];
const unnamed = (cluster: string): [string, SpeakerName] => [cluster, { name: cluster, source: 'unmatched' }];

function warn(entries: Array<[string, SpeakerName]>, over: Partial<RosterInput> = {}): string[] {
  return rosterWarnings({ listed: players, names: new Map(entries), maxSpeakers: undefined, modelFree: true, modelHint: 'run `make model`', talkSeconds: 300, ...over });
}

test('one voice for four players: says so, names who has no line, and what to do (neural model, samples)', () => {
  const [w, ...rest] = warn([bySample('SPK1', 'alice', 'Alice')]);
  assert.deepEqual(rest, []);
  assert.match(w!, /^Only 1 voice was told apart in this session, but context\.yaml lists 4 speakers: no line is named after Bob, Chloé and David\./);
  assert.match(w!, /To tell them apart, use the neural speaker model, which tells real voices apart far better than the model-free one that ran: run `make model`; /);
  assert.match(w!, /add a voice sample for Bob and David in context\.yaml/, 'only the players without a sample are asked for one');
  assert.match(w!, /\(`voice_samples`: 10 to 30 s of each talking alone\); then run again\./);
  assert.doesNotMatch(w!, /min_speakers/, 'forced to a count, the model-free embedder mixes real voices up more');
  assert.match(w!, /If Bob, Chloé and David were not at this session, there is nothing to do\.$/);
});

test('with the neural model the advice leaves it out; with every sample given it asks for none', () => {
  const [w] = warn([unnamed('SPK1'), unnamed('SPK2')], { modelFree: false, listed: players.map((p) => ({ ...p, hasSample: true })) });
  assert.match(w!, /^Only 2 voices were told apart/);
  // Nobody listed has a line: "they were away" is no reason, and the sentence is left out (the end is checked below).
  assert.doesNotMatch(w!, /neural|voice sample for/);
  assert.match(w!, /To tell them apart, set `min_speakers: 4` in _READY \(`--min-speakers 4` on the command line\); then run again\.$/);
});

test('every listed player named (by sample, override or the same name): nothing to say', () => {
  const names: Array<[string, SpeakerName]> = [
    bySample('SPK1', 'alice', 'Alice'),
    ['SPK2', { name: 'Bob', source: 'override' }],
    bySample('SPK3', 'chloe', 'Chloé'),
    ['SPK4', { name: 'David', source: 'override' }],
  ];
  assert.deepEqual(warn(names), []);
  assert.deepEqual(warn(names, { listed: players.map((p) => ({ ...p, hasSample: true })) }), [], 'a name given by an override counts, sample or not');
  assert.deepEqual(warn([bySample('SPK1', 'alice', 'Alice'), unnamed('SPK2')], { listed: players.slice(0, 1) }), [], 'one listed speaker says nothing about the table');
  assert.deepEqual(warn([], { listed: [] }), []);
  assert.deepEqual(warn([]), [], 'no voice at all: the no-speech warning says it');
});

test('as many voices as players, one without a name and one player without a line: who it likely is, and the line to add', () => {
  const [w, ...rest] = warn([bySample('SPK1', 'alice', 'Alice'), unnamed('SPK2'), ['SPK3', { name: 'Bob', source: 'override' }], ['SPK4', { name: 'David', source: 'override' }]]);
  assert.deepEqual(rest, []);
  assert.equal(
    w,
    'SPK2 is likely Chloé, the only speaker context.yaml lists with no line in this session: to name them, add `SPK2: Chloé` under `overrides.speakers` in context.yaml, then run again ' +
      '(the voice sample of Chloé matched no one: a new one recorded in the same room with the same phone names them by itself next time). ' +
      'If Chloé was not at this session, SPK2 is somebody else: name them the same way.',
  );
  assert.match(warn([bySample('SPK1', 'alice', 'Alice'), bySample('SPK2', 'chloe', 'Chloé'), unnamed('SPK3'), ['SPK4', { name: 'David', source: 'override' }]])[0]!, /^SPK3 is likely Bob, .*add `SPK3: Bob` .*\(a voice sample of Bob would name them by itself next time\)/);
  // Two of each: a suggestion, not a pairing.
  const [two] = warn([bySample('SPK1', 'alice', 'Alice'), unnamed('SPK2'), unnamed('SPK3'), ['SPK4', { name: 'David', source: 'override' }]]);
  assert.match(two!, /^SPK2 and SPK3 are likely among Bob and Chloé, the speakers context\.yaml lists with no line in this session: to name them, add lines like `SPK2: Bob` under `overrides\.speakers`/);
  assert.match(two!, /\(the voice sample of Chloé matched no one: .*; a voice sample of Bob would name them by itself next time\)\.$/);
});

test('every voice named, but a sample matched no one: the player is named, with what to do', () => {
  const [w, ...rest] = warn([bySample('SPK1', 'alice', 'Alice'), ['SPK2', { name: 'Bob', source: 'override' }], ['SPK3', { name: 'David', source: 'override' }], ['SPK4', { name: 'David', source: 'override' }]]);
  assert.deepEqual(rest, []);
  assert.equal(w, 'No voice in this session matched the voice sample of Chloé. If they played, their lines are under another name: record a new sample in the same room with the same phone, then run again. If Chloé was not at this session, there is nothing to do.');
  // Only the game master listed, their sample matched no one and the one voice has no name: that voice is likely them.
  assert.match(warn([unnamed('SPK1')], { listed: players.slice(0, 1) })[0]!, /^SPK1 is likely Alice, /);
  // Every listed player without a sample has a line: nothing to say.
  assert.deepEqual(warn([bySample('SPK1', 'alice', 'Alice'), bySample('SPK2', 'chloe', 'Chloé'), ['SPK3', { name: 'Bob', source: 'override' }], ['SPK4', { name: 'David', source: 'override' }], unnamed('SPK5')]), []);
});

test('max_speakers under the listed count: fewer voices is what was asked, and that many players are missing', () => {
  assert.deepEqual(warn([bySample('SPK1', 'alice', 'Alice'), bySample('SPK2', 'chloe', 'Chloé')], { maxSpeakers: 2 }), []);
  assert.deepEqual(warn([bySample('SPK1', 'alice', 'Alice'), ['SPK2', { name: 'Bob', source: 'override' }]], { maxSpeakers: 2 }), [], 'Chloé and David are the two players max_speakers leaves out');
  const [u] = warn([bySample('SPK1', 'alice', 'Alice'), unnamed('SPK2')], { maxSpeakers: 2 });
  assert.match(u!, /^SPK2 is likely among Bob, Chloé and David/, 'SPK2 is nobody listed: it may be one of them');
  const [w] = warn([bySample('SPK1', 'alice', 'Alice')], { maxSpeakers: 2 });
  assert.match(w!, /^Only 1 voice was told apart .* lists 4 speakers/);
  assert.match(warn([bySample('SPK1', 'alice', 'Alice')], { maxSpeakers: 2, modelFree: false })[0]!, /set `min_speakers: 2`/, 'the count asked is the bound, not the list');
  const [v] = warn([bySample('SPK1', 'alice', 'Alice'), unnamed('SPK2'), unnamed('SPK3')], { maxSpeakers: 3 });
  assert.match(v!, /^SPK2 and SPK3 are likely among Bob, Chloé and David/, 'max 3 of 4 leaves one player out, and three are without a line');
  assert.match(warn([bySample('SPK1', 'alice', 'Alice'), bySample('SPK2', 'bob', 'Bob'), ['SPK3', { name: 'Bob', source: 'override' }]], { maxSpeakers: 3 })[0]!, /^No voice in this session matched the voice sample of Chloé\./, 'every voice named, and two players without a line where max 3 leaves one out');
});

test('one voice over a long session, nobody listed (or only the game master): says it is unlikely at a table, and what to do', () => {
  const long = { talkSeconds: LONE_VOICE_SECONDS, listed: [] };
  const [w, ...rest] = warn([unnamed('SPK1')], long);
  assert.deepEqual(rest, []);
  assert.match(w!, /^Only one voice was told apart in 0:10:00 of talk: every line is SPK1's\. At a table that usually means several people were heard as one voice\./);
  assert.match(w!, /To tell them apart, use the neural speaker model, .*: run `make model`; list the players in context\.yaml \(`speakers:`\), each with a voice sample/);
  assert.match(w!, /then run again\. If one person did all the talking, there is nothing to do\.$/);
  assert.doesNotMatch(w!, /min_speakers/);
  assert.match(warn([unnamed('SPK1')], { ...long, modelFree: false })[0]!, /; set `min_speakers` in _READY to the number of people at the table/);
  // Only the game master listed, named as the sole speaker: still one voice for a whole session.
  assert.match(warn([['SPK1', { name: 'Alice', source: 'single', speakerId: 'alice' }]], { ...long, listed: players.slice(0, 1) })[0]!, /every line is Alice's/);
  assert.deepEqual(warn([unnamed('SPK1')], { ...long, talkSeconds: LONE_VOICE_SECONDS - 1 }), [], 'a short recording can hold one voice');
  assert.deepEqual(warn([unnamed('SPK1'), unnamed('SPK2')], long), [], 'two voices');
  assert.match(warn([unnamed('SPK1')], { talkSeconds: 3600 })[0]!, /^Only 1 voice was told apart in this session, but context\.yaml lists 4 speakers/, 'with players listed, the roster says more');
});

test('the speakers stage on 15 minutes of one voice, no context.yaml: the lone-voice warning, with the model-free advice', async () => {
  const session = await rpgSession({ seed: 3, seconds: 900, speakers: RPG_SPEAKERS.slice(0, 1) });
  const pcm = await PcmFile.open(await writeSessionPcm(session, 'roster-lone'));
  try {
    const found = await identifyTurns(pcm, vadLikeRegions(session), new SpectralEmbedder(), {
      hints: { min: undefined, max: undefined },
      context: SessionContextSchema.parse({}),
      readSample: () => assert.fail('no samples'),
    });
    assert.equal(found.summaries.length, 1);
    const talk = found.summaries[0]!.talkSeconds;
    assert.ok(talk >= LONE_VOICE_SECONDS, `${talk.toFixed(0)} s of talk`);
    assert.equal(found.warnings.length, 1);
    assert.match(found.warnings[0]!, /^Only one voice was told apart in 0:\d\d:\d\d of talk: every line is SPK1's\..*use the neural speaker model/);
  } finally {
    await pcm.close();
  }
});
