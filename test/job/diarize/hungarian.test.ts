import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestAssignment } from '../../../job/diarize/hungarian.js';

const cases: Array<{ name: string; weights: number[][]; pairs: Array<[number, number]> }> = [
  { name: 'empty', weights: [], pairs: [] },
  { name: 'diagonal', weights: [[5, 1], [1, 5]], pairs: [[0, 0], [1, 1]] },
  { name: 'the best total, not the greedy first pick', weights: [[9, 8], [8, 1]], pairs: [[0, 1], [1, 0]] },
  { name: 'more rows than columns: the weakest row stays unpaired', weights: [[3], [7], [5]], pairs: [[1, 0]] },
  { name: 'more columns than rows', weights: [[1, 4, 2]], pairs: [[0, 1]] },
  { name: 'a zero weight is no pair', weights: [[0, 0], [0, 2]], pairs: [[1, 1]] },
  { name: 'ragged rows are padded', weights: [[1], [0, 3]], pairs: [[0, 0], [1, 1]] },
];

for (const c of cases) {
  test(`best assignment: ${c.name}`, () => {
    assert.deepEqual(bestAssignment(c.weights), c.pairs);
  });
}

test('best assignment matches brute force on random 5×5 matrices', () => {
  let seed = 3;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const permutations = (n: number): number[][] => (n === 0 ? [[]] : permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)])));
  for (let round = 0; round < 20; round++) {
    const w = Array.from({ length: 5 }, () => Array.from({ length: 5 }, () => 0.01 + random()));
    const best = Math.max(...permutations(5).map((p) => p.reduce((s, c, r) => s + w[r]![c]!, 0)));
    const got = bestAssignment(w).reduce((s, [r, c]) => s + w[r]![c]!, 0);
    assert.ok(Math.abs(best - got) < 1e-9, `round ${round}: ${got} < ${best}`);
  }
});
