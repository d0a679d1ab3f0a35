import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTurns, nameTurns } from '../../../job/diarize/turns.js';

const span = (start: number, end: number, label: number) => ({ start, end, label });

test('clusters are named SPK1.. in order of first appearance; touching spans of one label join', () => {
  const { turns, labelNames } = buildTurns([span(5, 6, 0), span(0, 2, 3), span(2, 4, 3), span(7, 9, 3)], 1);
  assert.deepEqual(turns, [
    { start: 0, end: 4, speaker: 'SPK1' },
    { start: 5, end: 6, speaker: 'SPK2' },
    { start: 7, end: 9, speaker: 'SPK1' },
  ]);
  assert.deepEqual([...labelNames], [[3, 'SPK1'], [0, 'SPK2']]);
});

const flips: Array<{ name: string; spans: ReturnType<typeof span>[]; speakers: string[] }> = [
  { name: 'a short flip between two touching spans of one speaker is smoothed', spans: [span(0, 3, 0), span(3, 3.5, 1), span(3.5, 6, 0)], speakers: ['SPK1'] },
  { name: 'a long interjection stays', spans: [span(0, 3, 0), span(3, 5, 1), span(5, 8, 0)], speakers: ['SPK1', 'SPK2', 'SPK1'] },
  { name: 'a short turn after a pause stays', spans: [span(0, 3, 0), span(3.4, 3.9, 1), span(4.2, 8, 0)], speakers: ['SPK1', 'SPK2', 'SPK1'] },
  { name: 'a short turn between two other speakers stays', spans: [span(0, 3, 0), span(3, 3.5, 1), span(3.5, 6, 2)], speakers: ['SPK1', 'SPK2', 'SPK3'] },
];
for (const c of flips) {
  test(`turns: ${c.name}`, () => {
    assert.deepEqual(buildTurns(c.spans, 1).turns.map((t) => t.speaker), c.speakers);
  });
}

test('naming turns keeps labels without a name', () => {
  const named = nameTurns([{ start: 0, end: 1, speaker: 'SPK1' }, { start: 1, end: 2, speaker: 'SPK2' }], new Map([['SPK1', { name: 'Alice' }]]));
  assert.deepEqual(named.map((t) => t.speaker), ['Alice', 'SPK2']);
});
