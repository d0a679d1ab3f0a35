import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressionRatio, filterLane, loopSpans, nameRemovals } from '../../../job/stages/quality.js';
import type { Segment } from '../../../job/transcript.js';
import type { SpeechRegion } from '../../../job/engines/vad.js';

/** Lines of 2 s one after the other, from 0. */
function lines(...texts: string[]): Segment[] {
  return texts.map((text, i) => ({ start: 2 * i, end: 2 * i + 1.8, text }));
}
const clear: SpeechRegion[] = [{ start: 0, end: 1000, probability: 0.95 }];

interface Case {
  name: string;
  segments: Segment[];
  speech?: SpeechRegion[];
  kept: string[];
  removed: Array<[string, string]>;
}

const loop = "Je vais voir ce qu'il y a derrière la porte.";
const amara = "Sous-titres réalisés par la communauté d'Amara.org";
const cases: Case[] = [
  { name: 'a line looping five times: the first stays', segments: lines('On entre ?', loop, loop, loop, loop, loop, 'Bon.'), kept: ['On entre ?', loop, 'Bon.'], removed: Array(4).fill(['repeated-line', loop]) },
  { name: 'the same line three times, case and punctuation aside', segments: lines('Il pleut sur la ville.', 'il pleut sur la ville', 'Il pleut sur la ville !'), kept: ['Il pleut sur la ville.'], removed: [['repeated-line', 'il pleut sur la ville'], ['repeated-line', 'Il pleut sur la ville !']] },
  { name: 'a chant said twice survives', segments: lines('Par le feu et par le sang !', 'Par le feu et par le sang !'), kept: ['Par le feu et par le sang !', 'Par le feu et par le sang !'], removed: [] },
  { name: 'a player repeating a roll survives', segments: lines("J'ai fait dix-sept.", 'Dix-sept ?', "J'ai fait dix-sept."), kept: ["J'ai fait dix-sept.", 'Dix-sept ?', "J'ai fait dix-sept."], removed: [] },
  { name: 'three "Oui." in a row (several players) survive', segments: lines('Oui.', 'Oui.', 'Oui.'), kept: ['Oui.', 'Oui.', 'Oui.'], removed: [] },
  { name: 'six "Oui." in a row are a loop', segments: lines('Oui.', 'Oui.', 'Oui.', 'Oui.', 'Oui.', 'Oui.'), kept: ['Oui.'], removed: Array(5).fill(['repeated-line', 'Oui.']) },
  { name: 'words looping inside a line: the first occurrence stays', segments: lines('Alors je vais je vais je vais je vais je vais je vais'), kept: ['Alors je vais'], removed: [['repeated-words', 'je vais je vais je vais je vais je vais']] },
  { name: '"non, non, non !" survives', segments: lines('Non, non, non !'), kept: ['Non, non, non !'], removed: [] },
  { name: 'a clause said three times survives', segments: lines('Un deux trois, un deux trois, un deux trois, soleil !'), kept: ['Un deux trois, un deux trois, un deux trois, soleil !'], removed: [] },
  { name: 'one word eleven times is a loop', segments: lines('non non non non non non non non non non non'), kept: ['non'], removed: [['repeated-words', 'non non non non non non non non non non']] },
  { name: 'a line that compresses more than 2.4 times goes', segments: lines('Hahahahahahahahahahahahahahahahahahahahahahahahahahahahahahahahahahahahaha', 'Il rit.'), kept: ['Il rit.'], removed: [['compression', 'Hahahahahahahahahahahahahahahahahahahahahahahahahahahahahahahahahahahahaha']] },
  { name: 'a line of 80 bytes that compresses 3.1 times goes', segments: lines('Hahahahahahahahahahahahahahahahahahaha, hihihihihihihihihihihihihi, hohohohoho !'), kept: [], removed: [['compression', 'Hahahahahahahahahahahahahahahahahahaha, hihihihihihihihihihihihihi, hohohohoho !']] },
  { name: 'a short scream stays, however well it compresses', segments: lines('Ahhhhhhhhhhhhhhhhhhhhhhhhhhhhhh !'), kept: ['Ahhhhhhhhhhhhhhhhhhhhhhhhhhhhhh !'], removed: [] },
  { name: 'an ordinary long line stays', segments: lines("Le dragon ouvre un œil, vous sentez la chaleur de son souffle avant même qu'il ne bouge, et le sol tremble."), kept: ["Le dragon ouvre un œil, vous sentez la chaleur de son souffle avant même qu'il ne bouge, et le sol tremble."], removed: [] },
  { name: "Amara's credit over music (weak speech) goes", segments: lines('Fin de la session.', amara), speech: [{ start: 0, end: 1.8, probability: 0.95 }, { start: 2, end: 3.8, probability: 0.55 }], kept: ['Fin de la session.'], removed: [['non-speech-phrase', amara]] },
  { name: "Amara's credit over silence goes", segments: lines('Fin de la session.', amara), speech: [{ start: 0, end: 1.8, probability: 0.95 }], kept: ['Fin de la session.'], removed: [['non-speech-phrase', amara]] },
  { name: '"Thanks for watching" over silence goes', segments: lines('Thanks for watching!'), speech: [], kept: [], removed: [['non-speech-phrase', 'Thanks for watching!']] },
  { name: '"Merci d\'avoir regardé cette vidéo" over clear speech stays (someone said it)', segments: lines("Merci d'avoir regardé cette vidéo."), kept: ["Merci d'avoir regardé cette vidéo."], removed: [] },
  { name: 'a phrase inside a longer line stays', segments: lines("Merci d'avoir regardé la carte, on part vers le nord."), speech: [], kept: ["Merci d'avoir regardé la carte, on part vers le nord."], removed: [] },
  { name: 'a looping credit: the repeats and the credit go', segments: lines(amara, amara, amara), speech: [], kept: [], removed: [['non-speech-phrase', amara], ['repeated-line', amara], ['repeated-line', amara]] },
];

for (const c of cases) {
  test(`quality filter: ${c.name}`, () => {
    const { segments, removed } = filterLane(c.segments, c.speech ?? clear);
    assert.deepEqual(segments.map((s) => s.text), c.kept);
    assert.deepEqual(
      [...removed].sort((a, b) => a.start - b.start || a.reason.localeCompare(b.reason)).map((r) => [r.reason, r.text]),
      c.removed,
    );
    for (const r of removed) assert.ok(r.end >= r.start && c.segments.some((s) => s.start <= r.start && r.end <= s.end + 1e-9), `removal ${JSON.stringify(r)} inside a line`);
  });
}

test('words removed from a looping line take their timings with them; the rest keep theirs', () => {
  const texts = ['Bon,', 'je', 'vais', 'je', 'vais', 'je', 'vais', 'je', 'vais', 'je', 'vais'];
  const words = texts.map((text, i) => ({ text, start: 10 + i * 0.5, end: 10.4 + i * 0.5, speaker: 'Hugo' }));
  const segment: Segment = { start: 10, end: 15.4, text: texts.join(' '), speaker: 'Hugo', words };
  const { segments, removed } = filterLane([segment], clear);
  assert.equal(segments[0]!.text, 'Bon, je vais');
  assert.deepEqual(segments[0]!.words, words.slice(0, 3));
  assert.equal(segments[0]!.end, 11.4, 'the line ends with its last word');
  assert.deepEqual(removed, [{ start: 11.5, end: 15.4, speaker: 'Hugo', text: 'je vais je vais je vais je vais', reason: 'repeated-words' }]);
});

test('loop spans: where a chunk result loops, merged, for a second transcription', () => {
  const result = [...lines('Bonjour à tous.', loop, loop, loop, 'Ensuite.'), { start: 20, end: 25, text: 'et puis et puis et puis et puis et puis' }, { start: 30, end: 31, text: 'Fin.' }];
  assert.deepEqual(loopSpans(result), [{ start: 2, end: 7.8 }, { start: 20, end: 25 }]);
  assert.deepEqual(loopSpans(lines('Par le feu !', 'Par le feu !', 'Non, non, non !')), []);
});

test("compression ratio as Whisper computes it (zlib): a loop compresses, a sentence does not", () => {
  assert.ok(compressionRatio('la la la la la la la la la la la la la la la la la la la la la la') > 2.4);
  assert.ok(compressionRatio("Le dragon ouvre un œil et la salle entière retient son souffle.") < 1.5);
});

test('removals take the name of who was speaking, in time order', () => {
  const turns = [{ start: 0, end: 10, speaker: 'Camille' }, { start: 10, end: 20, speaker: 'Hugo' }];
  const named = nameRemovals(
    [
      { start: 12, end: 14, text: 'b', reason: 'repeated-line' },
      { start: 2, end: 4, text: 'a', reason: 'repeated-line' },
      { start: 25, end: 26, text: 'c', reason: 'compression', speaker: 'Léa' },
    ],
    turns,
  );
  assert.deepEqual(named.map((r) => [r.text, r.speaker]), [['a', 'Camille'], ['b', 'Hugo'], ['c', 'Léa']]);
});
