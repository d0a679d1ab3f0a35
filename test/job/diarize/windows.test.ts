import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planWindows } from '../../../job/diarize/windows.js';

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const plan = (regions: Array<[number, number]>, duration = Infinity) =>
  planWindows(regions.map(([start, end]) => ({ start, end })), { seconds: 1.5, hopSeconds: 0.75, minSeconds: 0.5 }, duration).map((w) => [r3(w.start), r3(w.end), w.region]);

const cases: Array<{ name: string; regions: Array<[number, number]>; duration?: number; windows: Array<[number, number, number]> }> = [
  { name: 'one window fits a region exactly', regions: [[2, 3.5]], windows: [[2, 3.5, 0]] },
  { name: 'overlapping windows end with the region', regions: [[0, 3]], windows: [[0, 1.5, 0], [0.75, 2.25, 0], [1.5, 3, 0]] },
  { name: 'the hop shrinks rather than a window hanging past the end', regions: [[0, 3.2]], windows: [[0, 1.5, 0], [0.567, 2.067, 0], [1.133, 2.633, 0], [1.7, 3.2, 0]] },
  { name: 'a short region: the whole region', regions: [[10, 11]], windows: [[10, 11, 0]] },
  { name: 'a very short region: widened around its centre', regions: [[10, 10.2]], windows: [[9.85, 10.35, 0]] },
  { name: 'widening stays inside the audio', regions: [[0, 0.2]], duration: 5, windows: [[0, 0.5, 0]] },
  { name: 'an empty region gets none; indexes follow the input', regions: [[1, 1], [4, 5]], windows: [[4, 5, 1]] },
];

for (const c of cases) {
  test(`windows: ${c.name}`, () => {
    assert.deepEqual(plan(c.regions, c.duration), c.windows);
  });
}
