import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planChunks, silences } from '../../../job/stages/chunk.js';
import type { SpeechRegion } from '../../../job/engines/vad.js';

/** Speech everywhere except the given silences. */
function speechWithGaps(duration: number, gaps: Array<[number, number]>): SpeechRegion[] {
  const regions: SpeechRegion[] = [];
  let cursor = 0;
  for (const [a, b] of gaps) {
    if (a > cursor) regions.push({ start: cursor, end: a });
    cursor = b;
  }
  if (cursor < duration) regions.push({ start: cursor, end: duration });
  return regions;
}

/** A deterministic pseudo-random session: speech turns of 1–20 s with pauses of 0.2–3 s. */
function randomSession(seed: number, duration: number): SpeechRegion[] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const regions: SpeechRegion[] = [];
  let t = rand() * 2;
  while (t < duration) {
    const end = Math.min(duration, t + 1 + rand() * 19);
    regions.push({ start: t, end });
    t = end + 0.2 + rand() * 2.8;
  }
  return regions;
}

const cases = [
  { name: '4 h, 15 min chunks, 2 s overlap', duration: 4 * 3600, max: 900, overlap: 2, seed: 1 },
  { name: '1 h, 5 min chunks, 0 overlap', duration: 3600, max: 300, overlap: 0, seed: 2 },
  { name: '3 h, 10 min chunks, 5 s overlap', duration: 3 * 3600, max: 600, overlap: 5, seed: 3 },
  { name: 'shorter than one chunk', duration: 120, max: 900, overlap: 2, seed: 4 },
];

for (const c of cases) {
  test(`chunk properties: ${c.name}`, () => {
    const regions = randomSession(c.seed, c.duration);
    const gaps = silences(c.duration, regions);
    const chunks = planChunks(c.duration, regions, { maxSeconds: c.max, overlapSeconds: c.overlap });
    assert.equal(chunks[0]!.start, 0);
    assert.equal(chunks[chunks.length - 1]!.end, c.duration);
    for (const [i, chunk] of chunks.entries()) {
      assert.equal(chunk.index, i);
      assert.ok(chunk.end - chunk.start <= c.max + 1e-6, `chunk ${i} is ${chunk.end - chunk.start} s`);
      assert.ok(chunk.keepStart >= chunk.start && chunk.keepEnd <= chunk.end);
      const next = chunks[i + 1];
      if (next) {
        assert.ok(Math.abs(chunk.end - next.start - c.overlap) < 0.002, `overlap between ${i} and ${i + 1}`);
        assert.equal(chunk.keepEnd, next.keepStart, 'keep ranges tile the timeline');
        // Silences of ≥ 0.2 s exist in every search window of these sessions, so every cut lands in one.
        assert.ok(chunk.cutInSilence);
        assert.ok(gaps.some((g) => g.start <= chunk.keepEnd && chunk.keepEnd <= g.end), `cut ${chunk.keepEnd} lies in a silence`);
      }
    }
  });
}

test('the cut goes in the middle of the longest silence near the limit', () => {
  const regions = speechWithGaps(1000, [
    [700, 701],
    [850, 854],
    [880, 881],
  ]);
  const [first, second] = planChunks(1000, regions, { maxSeconds: 900, overlapSeconds: 2 });
  assert.equal(first!.keepEnd, 852);
  assert.equal(first!.end, 853);
  assert.equal(second!.start, 851);
});

test('without any silence the cut falls at the limit', () => {
  const chunks = planChunks(2000, [{ start: 0, end: 2000 }], { maxSeconds: 900, overlapSeconds: 2 });
  assert.equal(chunks.length, 3);
  assert.equal(chunks[0]!.end, 900);
  assert.equal(chunks[0]!.cutInSilence, false);
});

test('chunks with no speech are dropped', () => {
  const regions = [
    { start: 10, end: 100 },
    { start: 2500, end: 2600 },
  ];
  const chunks = planChunks(2700, regions, { maxSeconds: 900, overlapSeconds: 2 });
  assert.ok(chunks.every((c) => regions.some((r) => r.end > c.keepStart && r.start < c.keepEnd)));
  assert.equal(chunks.length, 2);
});

test('bad options are refused', () => {
  assert.throws(() => planChunks(100, [], { maxSeconds: 10, overlapSeconds: 5 }));
});
