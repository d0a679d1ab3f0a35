import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import ort from './onnx.js';
import { ConfigError } from '../../lib/errors.js';
import { l2normalize, type SpeakerEmbedder } from './embedder.js';
import { Fbank, KALDI_FBANK, meanNormalize } from './fbank.js';

/**
 * A neural speaker-embedding model (3D-Speaker CAM++, WeSpeaker ResNet34: the models pyannote and sherpa-onnx use)
 * through onnxruntime-node. Such a model takes Kaldi 80-bin log-mel features with the utterance mean removed,
 * [batch, frames, 80], and returns [batch, dim]. Windows of equal length — nearly all of them — run as one batch.
 */
const MIN_FRAMES = 10;
const BATCH = 16;

export class OnnxSpeakerEmbedder implements SpeakerEmbedder {
  private readonly fbank = new Fbank(KALDI_FBANK);

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly dim: number,
    readonly description: string,
  ) {}

  /** Loads the model and probes it once, so that a wrong file fails here with its path, not mid-run. */
  static async create(options: { modelPath: string; threads?: number }): Promise<OnnxSpeakerEmbedder> {
    const { modelPath } = options;
    const where = `SPEAKER_MODEL_PATH=${modelPath}`;
    if (!existsSync(modelPath)) throw new ConfigError([`${where}: no such file; point it at a speaker-embedding ONNX model or unset it to use the model-free embedder`]);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: options.threads ?? 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    } catch (err) {
      throw new ConfigError([`${where}: onnxruntime cannot load it (${(err as Error).message})`]);
    }
    const input = session.inputMetadata[0];
    if (session.inputNames.length !== 1 || session.outputNames.length < 1 || !input) {
      throw new ConfigError([`${where}: expected one input (fbank features [batch, frames, 80]) and an embedding output; found inputs ${session.inputNames.join(', ')}`]);
    }
    if (input.isTensor && input.shape.length > 0 && (input.shape.length !== 3 || (typeof input.shape[2] === 'number' && input.shape[2] !== KALDI_FBANK.numMelBins))) {
      throw new ConfigError([`${where}: input ${input.name} has shape [${input.shape.join(', ')}], expected [batch, frames, ${KALDI_FBANK.numMelBins}]`]);
    }
    const probe = await run(session, new Float32Array(MIN_FRAMES * KALDI_FBANK.numMelBins), 1, MIN_FRAMES);
    const dim = probe.dims[probe.dims.length - 1];
    if (probe.dims.length !== 2 || probe.dims[0] !== 1 || !(typeof dim === 'number' && dim > 0)) {
      throw new ConfigError([`${where}: output ${session.outputNames[0]} has shape [${probe.dims.join(', ')}], expected [batch, dim]`]);
    }
    return new OnnxSpeakerEmbedder(session, dim, `neural speaker embedding ${basename(modelPath)} (${dim}-dim, onnxruntime-node)`);
  }

  async embed(samples: Float32Array): Promise<Float32Array> {
    return (await this.embedWindows(samples, [[0, samples.length]]))[0]!;
  }

  async embedWindows(samples: Float32Array, windows: ReadonlyArray<readonly [number, number]>): Promise<Float32Array[]> {
    const bins = KALDI_FBANK.numMelBins;
    const features = windows.map(([a, b]) => this.features(samples.subarray(a, b)));
    const out: Float32Array[] = new Array(windows.length);
    const byLength = new Map<number, number[]>();
    features.forEach((f, i) => byLength.set(f.length, [...(byLength.get(f.length) ?? []), i]));
    for (const [length, ids] of byLength) {
      const frames = length / bins;
      for (let at = 0; at < ids.length; at += BATCH) {
        const batch = ids.slice(at, at + BATCH);
        const input = new Float32Array(batch.length * length);
        batch.forEach((id, k) => input.set(features[id]!, k * length));
        const result = await run(this.session, input, batch.length, frames);
        const data = result.data as Float32Array;
        batch.forEach((id, k) => (out[id] = l2normalize(data.slice(k * this.dim, (k + 1) * this.dim))));
      }
    }
    return out;
  }

  /** Mean-normalised fbank of a window, padded with silence to a few frames when shorter. */
  private features(samples: Float32Array): Float32Array {
    const minSamples = KALDI_FBANK.frameLength + (MIN_FRAMES - 1) * KALDI_FBANK.frameShift;
    const padded = samples.length >= minSamples ? samples : new Float32Array(minSamples);
    if (padded !== samples) padded.set(samples);
    return meanNormalize(this.fbank.compute(padded)).data;
  }
}

async function run(session: ort.InferenceSession, data: Float32Array, batch: number, frames: number): Promise<ort.Tensor> {
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', data, [batch, frames, KALDI_FBANK.numMelBins]) };
  const result = await session.run(feeds);
  return result[session.outputNames[0]!]!;
}
