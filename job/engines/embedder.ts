/**
 * Speaker embeddings: a fixed-size vector per stretch of speech, close for one voice and far apart for two. The
 * diarization and voice-sample matching code only sees this interface, so it runs the same over a neural model or
 * the model-free spectral statistics.
 */
export interface SpeakerEmbedder {
  /** Says which engine ran, for the report (e.g. "CAM++ (onnxruntime-node, models/campplus.onnx)"). */
  readonly description: string;
  readonly dim: number;
  /** 16 kHz mono floats in [-1, 1) → L2-normalised embedding of `dim` values. */
  embed(samples: Float32Array): Promise<Float32Array>;
  /**
   * Embeddings of several windows of one stretch of audio, `[first, last)` sample offsets into `samples`. Optional:
   * engines whose per-frame work can be shared between overlapping windows implement it; see `embedWindows`.
   */
  embedWindows?(samples: Float32Array, windows: ReadonlyArray<readonly [number, number]>): Promise<Float32Array[]>;
}

/** The engine that ran is the model-free one (job/engines/embedder-spectral.ts), from its description. */
export function isModelFree(description: string): boolean {
  return /model-free/.test(description);
}

/** Embeds windows of `samples` through the engine's shared path when it has one, else one window at a time. */
export async function embedWindows(
  embedder: SpeakerEmbedder,
  samples: Float32Array,
  windows: ReadonlyArray<readonly [number, number]>,
): Promise<Float32Array[]> {
  if (embedder.embedWindows) return embedder.embedWindows(samples, windows);
  const out: Float32Array[] = [];
  for (const [a, b] of windows) out.push(await embedder.embed(samples.subarray(a, b)));
  return out;
}

/** Scales `v` to unit length in place; a zero vector stays zero. */
export function l2normalize<T extends Float32Array | Float64Array>(v: T): T {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
