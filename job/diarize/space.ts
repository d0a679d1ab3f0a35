import type { Window } from './windows.js';

/**
 * The space clustering and matching measure distances in: embeddings divided, dimension by dimension, by how much
 * one voice varies from one window to the next. That spread is measured on the session itself — between
 * non-overlapping windows of the same speech region, which are nearly always the same speaker — with a median, so
 * the few pairs that straddle a speaker change do not count. In this space one window's noise is about 1 per
 * dimension, whichever embedder ran, which is what lets one set of thresholds serve the neural and the model-free
 * embeddings (a fixed cosine threshold would not: spectral statistics are all alike in cosine terms).
 */
export class EmbeddingSpace {
  constructor(readonly scale: Float32Array) {}

  get dim(): number {
    return this.scale.length;
  }

  /** A raw embedding expressed in this space (a new array). */
  project(raw: ArrayLike<number>): Float64Array {
    const out = new Float64Array(this.scale.length);
    for (let k = 0; k < out.length; k++) out[k] = raw[k]! / this.scale[k]!;
    return out;
  }

  /**
   * Estimates the per-dimension spread from window embeddings (row-major [windows × dim]). Falls back to pairs of
   * overlapping windows, then to the overall spread, when the regions are too short to hold two disjoint windows.
   */
  static fromWindows(embeddings: Float32Array, windows: readonly Window[], dim: number): EmbeddingSpace {
    const disjoint: Array<[number, number]> = [];
    const overlapping: Array<[number, number]> = [];
    for (let i = 0; i < windows.length; i++) {
      for (let j = i + 1; j < windows.length && windows[j]!.region === windows[i]!.region; j++) {
        if (windows[j]!.start >= windows[i]!.end - 1e-6) {
          disjoint.push([i, j]);
          break;
        }
        if (j === i + 1) overlapping.push([i, j]);
      }
    }
    const pairs = disjoint.length >= MIN_PAIRS ? disjoint : overlapping.length >= MIN_PAIRS ? overlapping : [];
    // Windows overlapping by half share half their audio, so their difference holds about half the noise.
    const shared = pairs === overlapping ? 0.5 : 0;
    const scale = new Float32Array(dim);
    const squares = new Float64Array(Math.max(pairs.length, windows.length));
    for (let k = 0; k < dim; k++) {
      let n = 0;
      if (pairs.length > 0) {
        for (const [i, j] of pairs) squares[n++] = (embeddings[i * dim + k]! - embeddings[j * dim + k]!) ** 2;
        // The median of a squared difference of two N(0, σ²) draws is 0.455 · 2σ².
        scale[k] = Math.sqrt(median(squares.subarray(0, n)) / (2 * (1 - shared) * CHI2_MEDIAN));
      } else {
        let mean = 0;
        for (let i = 0; i < windows.length; i++) mean += embeddings[i * dim + k]! / windows.length;
        for (let i = 0; i < windows.length; i++) squares[n++] = (embeddings[i * dim + k]! - mean) ** 2;
        scale[k] = Math.sqrt(median(squares.subarray(0, n)) / CHI2_MEDIAN);
      }
    }
    // A dimension that never moves (a constant feature) must not blow up: floor it at a small share of the typical.
    const typical = median(Float64Array.from(scale)) || 1;
    for (let k = 0; k < dim; k++) if (!(scale[k]! > typical * 0.05)) scale[k] = typical * 0.05;
    return new EmbeddingSpace(scale);
  }
}

const MIN_PAIRS = 8;
const CHI2_MEDIAN = 0.4549;

/**
 * Squared distance per dimension between two points of the space, less what their own noise explains: each side
 * is a mean of `weight` windows' worth of speech, and one window's noise is 1 per dimension, so two means of the
 * same voice lie about 1/wa + 1/wb apart. What remains estimates how far apart the voices themselves are.
 */
export function voiceDistance(a: ArrayLike<number>, wa: number, b: ArrayLike<number>, wb: number): number {
  return meanSquare(a, b) - 1 / wa - 1 / wb;
}

export function meanSquare(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += (a[k]! - b[k]!) ** 2;
  return sum / a.length;
}

function median(values: Float64Array): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.floor(sorted.length / 2)]!;
}
