import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignSpeakers, cutText, dominantSpeaker } from '../../../job/diarize/assign.js';
import type { Turn } from '../../../job/diarize/turns.js';
import type { Segment, Word } from '../../../job/transcript.js';

const turn = (start: number, end: number, speaker: string): Turn => ({ start, end, speaker });
const word = (start: number, end: number, text: string): Word => ({ start, end, text });
const turns = [turn(0, 4, 'Alice'), turn(4, 6, 'Bob'), turn(8, 12, 'Alice'), turn(20, 22, 'Bob')];

const overlapCases: Array<[string, number, number, string | undefined]> = [
  ['inside one turn', 1, 2, 'Alice'],
  ['across two turns: the larger overlap', 3.5, 5.9, 'Bob'],
  ['in a gap: the nearest turn', 6.5, 7, 'Bob'],
  ['in a gap, nearer the next turn', 7.2, 7.8, 'Alice'],
  ['too far from any turn', 15, 16, undefined],
  ['past the last turn, close', 22.5, 23, 'Bob'],
];
for (const [name, start, end, speaker] of overlapCases) {
  test(`dominant speaker: ${name}`, () => {
    assert.equal(dominantSpeaker(turns, start, end, 2), speaker);
  });
}

test('a segment without words takes the speaker of most of it', () => {
  const segments: Segment[] = [{ start: 0.5, end: 3.5, text: 'Bonjour.' }, { start: 3, end: 6, text: 'Salut.' }];
  assert.deepEqual(assignSpeakers(segments, turns).map((s) => s.speaker), ['Alice', 'Bob']);
});

test('a segment whose words change speaker is split there, text and words alike', () => {
  const segment: Segment = {
    start: 2,
    end: 5.5,
    text: ' Tu viens ? Oui, j’arrive.',
    lang: 'fr',
    words: [word(2, 2.5, 'Tu'), word(2.5, 3, 'viens'), word(3, 3.5, '?'), word(4.1, 4.6, 'Oui,'), word(4.6, 5.5, 'j’arrive.')],
  };
  const out = assignSpeakers([segment], turns);
  assert.deepEqual(
    out.map((s) => [s.start, s.end, s.speaker, s.text, s.lang, s.words!.map((w) => `${w.text}/${w.speaker}`).join(' ')]),
    [
      [2, 3.5, 'Alice', 'Tu viens ?', 'fr', 'Tu/Alice viens/Alice ?/Alice'],
      [4.1, 5.5, 'Bob', 'Oui, j’arrive.', 'fr', 'Oui,/Bob j’arrive./Bob'],
    ],
  );
});

test('words that cannot be found in the text (respelled by the glossary) keep the segment whole', () => {
  const segment: Segment = { start: 3, end: 5.9, text: "Kael'thas arrive.", words: [word(3, 3.8, 'Kaeltas'), word(4.2, 5.9, 'arrive.')] };
  const [out, ...rest] = assignSpeakers([segment], turns);
  assert.equal(rest.length, 0);
  assert.equal(out!.speaker, 'Bob');
  assert.deepEqual(out!.words!.map((w) => w.speaker), ['Alice', 'Bob']);
});

test('assignment is pure: the input segments are left as they were', () => {
  const segments: Segment[] = [{ start: 0, end: 1, text: 'a', words: [word(0, 1, 'a')] }];
  const copy = structuredClone(segments);
  assignSpeakers(segments, turns);
  assert.deepEqual(segments, copy);
});

test('cut text: at the given words, case-insensitively, trimmed', () => {
  const words = [word(0, 1, 'Roll'), word(1, 2, 'initiative.'), word(2, 3, 'OK')];
  assert.deepEqual(cutText('roll initiative. OK', words, [0, 2]), ['roll initiative.', 'OK']);
  assert.equal(cutText('something else', words, [0, 2]), undefined);
});
