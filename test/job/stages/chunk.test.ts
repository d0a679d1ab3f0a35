import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkCountFor, planBalancedChunks, silences } from '../../../job/stages/chunk.js';
import { condensedRegions, condensePlan } from '../../../job/audio/condense.js';
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
    const count = chunkCountFor(c.duration, c.max, c.max);
    const chunks = planBalancedChunks(c.duration, regions, { count, overlapSeconds: c.overlap });
    assert.equal(chunks.length, count);
    assert.equal(chunks[0]!.start, 0);
    assert.equal(chunks[chunks.length - 1]!.end, c.duration);
    for (const [i, chunk] of chunks.entries()) {
      assert.equal(chunk.index, i);
      // Equal shares of at most `max`, each cut moved by at most a quarter of a chunk (60 s) to a silence.
      assert.ok(chunk.keepEnd - chunk.keepStart <= Math.min(c.duration, (c.duration / count) * 1.5) + 1e-6, `chunk ${i} keeps ${chunk.keepEnd - chunk.keepStart} s`);
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

test('each cut goes to the middle of the silence nearest its place', () => {
  const regions = speechWithGaps(1000, [
    [430, 440],
    [497, 498],
    [560, 600],
  ]);
  const [first, second] = planBalancedChunks(1000, regions, { count: 2, overlapSeconds: 2 });
  assert.equal(first!.keepEnd, 497.5, 'the silence nearest 500 s, not the longest');
  assert.equal(first!.end, 498.5);
  assert.equal(second!.start, 496.5);
});

test('without any silence the cuts fall at the equal shares', () => {
  const chunks = planBalancedChunks(2000, [{ start: 0, end: 2000 }], { count: chunkCountFor(2000, 900, 900), overlapSeconds: 2 });
  assert.equal(chunks.length, 3);
  assert.equal(chunks[0]!.keepEnd, 666.667);
  assert.equal(chunks[0]!.cutInSilence, false);
});

test('chunks with no speech are dropped', () => {
  const regions = [
    { start: 10, end: 100 },
    { start: 2500, end: 2600 },
  ];
  const chunks = planBalancedChunks(2700, regions, { count: 3, overlapSeconds: 2 });
  assert.ok(chunks.every((c) => regions.some((r) => r.end > c.keepStart && r.start < c.keepEnd)));
  assert.equal(chunks.length, 2);
});

test('bad options are refused', () => {
  assert.throws(() => planBalancedChunks(100, [], { count: 10, overlapSeconds: 5 }));
});

test('in speech-only audio a cut goes to a pause between joined regions, never into a word', () => {
  // Regions 0.2 s apart are joined into one piece; the pause between them is where a cut may go.
  const regions = Array.from({ length: 60 }, (_, i) => ({ start: i * 5.2, end: i * 5.2 + 5 }));
  const plan = condensePlan(regions);
  assert.equal(plan.pieces.length, 1, 'one piece, no gap to cut in');
  assert.equal(plan.pauses.length, 59);
  assert.equal(plan.pauses[0], 5.1);
  const chunks = planBalancedChunks(plan.duration, condensedRegions(plan), { count: 3, overlapSeconds: 1, pauses: plan.pauses });
  for (const c of chunks.slice(0, -1)) {
    assert.ok(c.cutInSilence);
    assert.ok(plan.pauses.includes(c.keepEnd), `cut at ${c.keepEnd}, a pause`);
  }
  const blind = planBalancedChunks(plan.duration, condensedRegions(plan), { count: 3, overlapSeconds: 1 });
  assert.ok(blind.slice(0, -1).every((c) => !c.cutInSilence), 'without the pauses the cuts would fall in speech');
});
