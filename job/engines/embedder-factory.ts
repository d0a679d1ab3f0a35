import type { SpeakerEmbedder } from './embedder.js';
import { OnnxSpeakerEmbedder } from './embedder-onnx.js';
import { SpectralEmbedder } from './embedder-spectral.js';

/**
 * The neural model when `SPEAKER_MODEL_PATH` names one, the model-free embedding otherwise. Called by main.ts and
 * cli.ts, which pass the result down.
 */
export async function createSpeakerEmbedder(options: { modelPath?: string; threads?: number }): Promise<SpeakerEmbedder> {
  return options.modelPath ? OnnxSpeakerEmbedder.create({ modelPath: options.modelPath, threads: options.threads }) : new SpectralEmbedder();
}
