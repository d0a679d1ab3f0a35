import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpeakerCluster } from '../../../job/diarize/diarize.js';
import { identifySpeakers, type VoiceProfile } from '../../../job/diarize/identify.js';
import { EmbeddingSpace } from '../../../job/diarize/space.js';

// A unit space: raw embeddings are already in noise units, so distances read directly.
const space = new EmbeddingSpace(new Float32Array(4).fill(1));
const cluster = (label: string, centroid: number[]): SpeakerCluster => ({ cluster: label, centroid: Float64Array.from(centroid), weight: 100, seconds: 60 });
const profile = (speakerId: string, name: string, ...samples: number[][]): VoiceProfile => ({
  speakerId,
  name,
  embeddings: samples.map((s) => Float32Array.from(s)),
  weight: 100,
});
const clusters = [cluster('SPK1', [4, 0, 0, 0]), cluster('SPK2', [0, 4, 0, 0]), cluster('SPK3', [0, 0, 4, 0])];

test('each cluster takes the name of the voice nearest to it, within the threshold', () => {
  const { names, unmatched } = identifySpeakers(clusters, [profile('b', 'Bob', [0, 4, 0, 0]), profile('a', 'Alice', [4, 0.5, 0, 0])], {}, { space, maxDistance: 2 });
  assert.deepEqual(names.get('SPK1'), { name: 'Alice', source: 'voice-sample', confidence: 0.979, speakerId: 'a' });
  assert.deepEqual(names.get('SPK2'), { name: 'Bob', source: 'voice-sample', confidence: 1, speakerId: 'b' });
  assert.deepEqual(names.get('SPK3'), { name: 'SPK3', source: 'unmatched' });
  assert.deepEqual(unmatched, ['SPK3']);
});

test('several samples of one speaker are averaged', () => {
  // Each sample alone is 8 per dimension away from SPK1 ([4,0,0,0] vs [0,0,0,0] and [8,0,0,0]); their mean is on it.
  const { names } = identifySpeakers(clusters, [profile('a', 'Alice', [0, 0, 0, 0], [8, 0, 0, 0])], {}, { space, maxDistance: 2 });
  assert.equal(names.get('SPK1')?.name, 'Alice');
});

test('a voice farther than the threshold names nobody', () => {
  const { names, unmatched } = identifySpeakers(clusters, [profile('z', 'Zoé', [0, 0, 0, 4])], {}, { space, maxDistance: 2 });
  assert.deepEqual([...names.values()].map((n) => n.source), ['unmatched', 'unmatched', 'unmatched']);
  assert.deepEqual(unmatched, ['SPK1', 'SPK2', 'SPK3']);
});

test('one name per cluster and one cluster per name, closest overall', () => {
  // Alice's sample is nearest SPK1 (distance 0.1) but close to SPK2 too (0.2); Bob's is near SPK1 only (0.15).
  // Greedy would give SPK1 to Alice and leave Bob out; the best pairing gives SPK1 to Bob and SPK2 to Alice.
  const near = [cluster('SPK1', [0, 0, 0, 0]), cluster('SPK2', [1.631, 0, 0, 0])];
  const { names } = identifySpeakers(near, [profile('a', 'Alice', [0.693, 0, 0, 0]), profile('b', 'Bob', [-0.825, 0, 0, 0])], {}, { space, maxDistance: 0.6 });
  assert.deepEqual([names.get('SPK1')?.name, names.get('SPK2')?.name], ['Bob', 'Alice']);
});

test('overrides apply last and win; an unknown label is a warning', () => {
  const { names, unmatched, warnings } = identifySpeakers(clusters, [profile('a', 'Alice', [4, 0, 0, 0])], { SPK1: 'Camille', SPK3: 'Dan', SPK8: 'Eve' }, { space, maxDistance: 2 });
  assert.deepEqual(names.get('SPK1'), { name: 'Camille', source: 'override' });
  assert.deepEqual(names.get('SPK3'), { name: 'Dan', source: 'override' });
  assert.deepEqual(unmatched, ['SPK2']);
  assert.deepEqual(warnings, ['overrides.speakers.SPK8: this run has no cluster SPK8 (clusters: SPK1, SPK2, SPK3); the override was not applied']);
});

test('a session with one cluster takes the name of the only listed speaker when no sample matched', () => {
  const { names } = identifySpeakers([clusters[0]!], [], {}, { space, maxDistance: 2, soleSpeaker: { id: 'mj', name: 'Camille' } });
  assert.deepEqual(names.get('SPK1'), { name: 'Camille', source: 'single', speakerId: 'mj' });
});
