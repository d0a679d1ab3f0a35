import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agglomerate, type ClusterItem } from '../../../job/diarize/cluster.js';
import { refineClusters } from '../../../job/diarize/refine.js';

/**
 * Synthetic voices in an 8-dimensional space whose per-window noise is 1 per dimension, as EmbeddingSpace makes it:
 * each item is a segment of `weight` windows around its voice's centre.
 */
function voices(centres: number[][], perVoice: number, seed = 1): { items: ClusterItem[]; truth: number[] } {
  let s = seed;
  const gauss = () => {
    s = (s * 16807) % 2147483647;
    const u = s / 2147483647;
    s = (s * 16807) % 2147483647;
    const v = s / 2147483647;
    return Math.sqrt(-2 * Math.log(u + 1e-12)) * Math.cos(2 * Math.PI * v);
  };
  const items: ClusterItem[] = [];
  const truth: number[] = [];
  for (let i = 0; i < perVoice; i++) {
    centres.forEach((c, v) => {
      const weight = 2 + (i % 3);
      items.push({ weight, centroid: Float64Array.from(c, (x) => x + gauss() / Math.sqrt(weight)) });
      truth.push(v);
    });
  }
  return { items, truth };
}

const threshold = { relative: 5, min: 1.5, max: 8 };
const far = (k: number, d = 8) => Array.from({ length: d }, (_, j) => (j === k ? 4 : 0));
const purity = (labels: Int32Array, truth: number[]) => {
  const pairs = new Map<string, number>();
  labels.forEach((l, i) => pairs.set(`${l}/${truth[i]}`, 0));
  return pairs.size;
};

test('three well separated voices: three clusters, each one voice', () => {
  const { items, truth } = voices([far(0), far(1), far(2)], 12);
  const { labels } = agglomerate(items, { threshold, minClusters: 1, maxClusters: Infinity });
  assert.equal(Math.max(...labels) + 1, 3);
  assert.equal(purity(labels, truth), 3);
});

test('one voice: one cluster, however many segments', () => {
  const { items } = voices([far(0)], 40);
  const { labels } = agglomerate(items, { threshold, minClusters: 1, maxClusters: Infinity });
  assert.equal(Math.max(...labels) + 1, 1);
});

test('speaker-count hints clamp the automatic count', () => {
  const { items, truth } = voices([far(0), far(1), far(2), far(3)], 8);
  const at = (minClusters: number, maxClusters: number) => Math.max(...agglomerate(items, { threshold, minClusters, maxClusters }).labels) + 1;
  assert.equal(at(1, Infinity), 4);
  assert.equal(at(1, 2), 2);
  assert.equal(at(5, 6), 5);
  const { labels } = agglomerate(items, { threshold, minClusters: 1, maxClusters: 4 });
  assert.equal(purity(labels, truth), 4);
});

test('labels are numbered in order of first item', () => {
  const { items } = voices([far(2), far(5)], 5);
  const { labels } = agglomerate(items, { threshold, minClusters: 1, maxClusters: Infinity });
  assert.deepEqual([...labels.slice(0, 4)], [0, 1, 0, 1]);
});

test('refinement moves a misplaced segment to its nearest centroid and folds a tiny cluster', () => {
  const { items, truth } = voices([far(0), far(1)], 10);
  const wrong = Int32Array.from(truth);
  wrong[0] = 1;
  const tiny = items.length;
  items.push({ weight: 1, centroid: Float64Array.from(far(7)) });
  const labels = refineClusters(items, Int32Array.from([...wrong, 2]), { iterations: 3, minSeconds: 5, minClusters: 1, windowSeconds: 1.5 });
  assert.equal(Math.max(...labels) + 1, 2);
  assert.equal(labels[0], labels[2]);
  assert.ok(labels[tiny] === 0 || labels[tiny] === 1);
});
