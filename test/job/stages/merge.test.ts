import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropOutsideSpeech, mergeChunks, tokensToWords } from '../../../job/stages/merge.js';
import type { AsrSegment } from '../../../job/engines/asr.js';
import type { Chunk } from '../../../job/stages/chunk.js';

const seg = (start: number, end: number, text: string): AsrSegment => ({ start, end, text, tokens: [] });
const chunk = (index: number, start: number, end: number, keepStart: number, keepEnd: number): Chunk => ({
  index,
  start,
  end,
  keepStart,
  keepEnd,
  cutInSilence: true,
});

test('text in the overlap appears once, on the session timeline', () => {
  // Chunk 0 covers 0–101 and keeps 0–100; chunk 1 covers 99–200 and keeps 100–200.
  const merged = mergeChunks([
    { chunk: chunk(0, 0, 101, 0, 100), result: { language: 'fr', segments: [seg(0, 5, 'Bonjour.'), seg(97, 99.5, 'On lance les dés.'), seg(99.8, 101, 'Et')] } },
    { chunk: chunk(1, 99, 200, 100, 200), result: { language: 'fr', segments: [seg(0, 0.5, 'dés.'), seg(0.8, 4, 'Et le dragon attaque.'), seg(10, 12, 'Fin.')] } },
  ]);
  assert.deepEqual(
    merged.map((s) => [s.start, s.end, s.text]),
    [
      [0, 5, 'Bonjour.'],
      [97, 99.5, 'On lance les dés.'],
      [99.8, 103, 'Et le dragon attaque.'],
      [109, 111, 'Fin.'],
    ],
  );
});

test('a segment repeated across a cut with shifted timings is kept once', () => {
  const merged = mergeChunks([
    { chunk: chunk(0, 0, 101, 0, 100), result: { language: 'fr', segments: [seg(95, 99.9, 'Le nécromancien lève les bras.')] } },
    { chunk: chunk(1, 99, 200, 100, 200), result: { language: 'fr', segments: [seg(1.2, 3, 'le nécromancien lève les bras'), seg(3, 5, 'Suite.')] } },
  ]);
  assert.deepEqual(merged.map((s) => s.text), ['Le nécromancien lève les bras.', 'Suite.']);
});

test('tokens become words; a leading space starts a word', () => {
  const words = tokensToWords(
    [
      { start: 0, end: 0.2, text: ' Kael', probability: 0.9 },
      { start: 0.2, end: 0.4, text: "'thas", probability: 0.5 },
      { start: 0.5, end: 0.9, text: ' arrive', probability: 0.8 },
    ],
    10,
  );
  assert.deepEqual(words, [
    { text: "Kael'thas", start: 10, end: 10.4, probability: 0.5 },
    { text: 'arrive', start: 10.5, end: 10.9, probability: 0.8 },
  ]);
});

test('segments in silence (hallucinations) are dropped', () => {
  const kept = dropOutsideSpeech(
    [
      { start: 0, end: 2, text: 'parole' },
      { start: 10, end: 14, text: "Sous-titres réalisés par la communauté d'Amara.org" },
    ],
    [{ start: 0.5, end: 2.5 }],
  );
  assert.deepEqual(kept.map((s) => s.text), ['parole']);
});

test('the overlap rule at its boundaries: 0.1 s of speech keeps a segment, or half of a shorter one', () => {
  const regions = [{ start: 10, end: 20 }];
  const cases: Array<[number, number, boolean]> = [
    [19.9, 25, true], // exactly 0.1 s of speech under a long segment
    [19.95, 25, false], // 0.05 s: a hallucination at the edge of speech
    [19.96, 20.04, true], // a 0.08 s segment half over speech
    [19.97, 20.05, false], // a 0.08 s segment with only 0.03 s over speech
    [3, 8, false], // entirely in silence
  ];
  for (const [start, end, kept] of cases) {
    assert.equal(dropOutsideSpeech([{ start, end, text: 'x' }], regions).length === 1, kept, `${start}–${end}`);
  }
  assert.equal(dropOutsideSpeech([{ start: 3, end: 8, text: 'x' }], []).length, 1, 'without regions (VAD off) nothing is dropped');
});
