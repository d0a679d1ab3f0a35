import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCues, MIN_CUE_MS, type Cue } from '../../../job/writers/cues.js';
import type { Segment } from '../../../job/transcript.js';
import { LONG_FRENCH, LONG_UNTIMED, sampleTranscript, timedWords } from './fixture.js';
import { assertPlayable } from './subtitle-tools.js';

function textOf(cues: readonly Cue[]): string {
  return cues.flatMap((c) => c.lines).join(' ');
}

describe('buildCues', () => {
  it('keeps every invariant on the sample session', () => {
    const cues = buildCues(sampleTranscript().segments);
    assertPlayable(cues);
    assert.equal(cues.length, 18);
  });

  it('splits a long timed segment at word starts and keeps all its text', () => {
    const segment: Segment = { start: 9.2, end: 40, text: LONG_FRENCH, speaker: 'SPK3', words: timedWords(LONG_FRENCH, 9.2, 40) };
    const cues = buildCues([segment]);
    assertPlayable(cues);
    assert.ok(cues.length >= 4, `${cues.length} cues`);
    assert.equal(textOf(cues), LONG_FRENCH);
    assert.equal(cues[0]!.startMs, 9200);
    assert.equal(cues.at(-1)!.endMs, 40000);
    const wordStarts = new Set(segment.words!.map((w) => Math.round(w.start * 1000)));
    for (const cue of cues.slice(1)) assert.ok(wordStarts.has(cue.startMs), `cue at ${cue.startMs} ms starts on a word`);
    // Consecutive cues of one segment touch: no flicker between them.
    for (let i = 1; i < cues.length; i++) assert.equal(cues[i]!.startMs, cues[i - 1]!.endMs);
  });

  it('times an untimed segment in proportion to its characters', () => {
    const cues = buildCues([{ start: 0, end: 30, text: LONG_UNTIMED }]);
    assertPlayable(cues);
    assert.equal(textOf(cues), LONG_UNTIMED);
    const total = LONG_UNTIMED.replace(/\s/g, '').length;
    let before = 0;
    for (let i = 1; i < cues.length; i++) {
      before += cues[i - 1]!.lines.join('').replace(/\s/g, '').length;
      const next = cues[i]!;
      assert.ok(Math.abs(next.startMs - (before / total) * 30000) <= 1, `boundary at ${next.startMs} ms`);
    }
  });

  it('maps word times proportionally when the glossary changed the word count', () => {
    const words = timedWords('le dragon de Kar Tor se lève lentement au-dessus de la ville endormie ce soir-là', 0, 10);
    const text = 'le dragon de Kartor se lève lentement au-dessus de la ville endormie ce soir-là sous la lune';
    const cues = buildCues([{ start: 0, end: 10, text, words }]);
    assertPlayable(cues);
    assert.equal(textOf(cues), text);
    assert.ok(cues.length >= 2);
  });

  const edgeCases: Array<{ name: string; segments: Segment[]; check: (cues: Cue[]) => void }> = [
    { name: 'empty and blank texts give no cue', segments: [{ start: 0, end: 1, text: '' }, { start: 1, end: 2, text: '  \n ' }], check: (c) => assert.equal(c.length, 0) },
    {
      name: 'a newline inside text is a space',
      segments: [{ start: 0, end: 2, text: 'Bonjour\nà tous' }],
      check: (c) => assert.deepEqual(c[0]!.lines, ['Bonjour à tous']),
    },
    {
      name: 'overlapping segments are cut back to the next start',
      segments: [{ start: 0, end: 5, text: 'Un.' }, { start: 4, end: 6, text: 'Deux.' }],
      check: (c) => assert.deepEqual(c.map((x) => [x.startMs, x.endMs]), [[0, 4000], [4000, 6000]]),
    },
    {
      name: 'a very short segment lasts MIN_CUE_MS when there is room',
      segments: [{ start: 1, end: 1.05, text: 'Ok.' }, { start: 3, end: 4, text: 'Bon.' }],
      check: (c) => assert.equal(c[0]!.endMs - c[0]!.startMs, MIN_CUE_MS),
    },
    {
      name: 'segments starting together still get positive, ordered cues',
      segments: [{ start: 2, end: 2, text: 'A.' }, { start: 2, end: 2, text: 'B.' }, { start: 2, end: 2.001, text: 'C.' }],
      check: (c) => assert.equal(c.length, 3),
    },
    {
      name: 'a word longer than a line is cut into pieces',
      segments: [{ start: 0, end: 3, text: `Regarde ${'x'.repeat(100)} ici` }],
      check: (c) => assert.equal(c.flatMap((x) => x.lines).join('').replace(/ /g, ''), `Regarde${'x'.repeat(100)}ici`),
    },
    {
      name: 'a long speaker name is shortened in the label only',
      segments: [{ start: 0, end: 3, text: 'Je lance les dés.', speaker: 'Maximilien-Alexandre de la Tour' }],
      check: (c) => {
        assert.equal(c[0]!.speaker, 'Maximilien-Alexandre de la Tour');
        assert.ok(c[0]!.label!.endsWith('…'));
      },
    },
    {
      name: 'decomposed accents count as one character',
      segments: [{ start: 0, end: 3, text: 'e\u0301'.repeat(42) }],
      check: (c) => assert.equal(c[0]!.lines[0], 'é'.repeat(42)),
    },
  ];
  for (const { name, segments, check } of edgeCases) {
    it(name, () => {
      const cues = buildCues(segments);
      assertPlayable(cues);
      check(cues);
    });
  }
});
