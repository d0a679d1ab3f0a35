import { test } from 'node:test';
import assert from 'node:assert/strict';
import { segmentRegions } from '../../../job/diarize/segment.js';
import { planWindows } from '../../../job/diarize/windows.js';

const options = { threshold: 1.5, windowSeconds: 1.5, minSeconds: 1.5 };
const A = [3, 0, 0, 0];
const B = [0, 3, 0, 0];

/** Points for the windows of `regions`, each the voice speaking at its centre (a window across a change, a mix). */
function setup(regions: Array<[number, number]>, voiceAt: (t: number) => number[]) {
  const windows = planWindows(regions.map(([start, end]) => ({ start, end })));
  const points = windows.map((w) => {
    const [a, b] = [voiceAt(w.start + 0.01), voiceAt(w.end - 0.01)];
    return Float64Array.from(a, (x, k) => (x + b[k]!) / 2);
  });
  return { regions: regions.map(([start, end]) => ({ start, end })), windows, points };
}

test('a voice change inside a region is cut within half a hop of where it happens', () => {
  const { regions, windows, points } = setup([[0, 12]], (t) => (t < 6 ? A : B));
  const segments = segmentRegions(regions, windows, points, options);
  assert.equal(segments.length, 2);
  assert.equal(segments[0]!.start, 0);
  assert.equal(segments[1]!.end, 12);
  assert.ok(Math.abs(segments[0]!.end - 6) <= 0.375, `cut at ${segments[0]!.end}`);
  assert.equal(segments[0]!.end, segments[1]!.start);
  assert.equal(segments[0]!.last, segments[1]!.first);
});

test('one voice throughout: no cut; every region is a segment of its own', () => {
  const { regions, windows, points } = setup([[0, 8], [9, 10], [11, 20]], () => A);
  const segments = segmentRegions(regions, windows, points, options);
  assert.deepEqual(
    segments.map((s) => [s.region, s.start, s.end]),
    [
      [0, 0, 8],
      [1, 9, 10],
      [2, 11, 20],
    ],
  );
});

test('two changes far apart are both cut', () => {
  const { regions, windows, points } = setup([[0, 18]], (t) => (t < 6 || t >= 12 ? A : B));
  assert.equal(segmentRegions(regions, windows, points, options).length, 3);
});
