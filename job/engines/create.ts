import type { Env } from '../../lib/config/common.js';
import type { JobConfig, RecapConfig } from '../../lib/config/job.js';
import type { Logger } from '../../lib/log.js';
import type { AsrEngine } from './asr.js';
import type { RecapModel } from './recap-model.js';
import { OpenAiRecapModel } from './recap-openai.js';
import { VertexRecapModel, type VertexRecapOptions } from './recap-vertex.js';
import type { SpeakerEmbedder } from './embedder.js';
import { createSpeakerEmbedder } from './embedder-factory.js';
import { SileroVad, type VadEngine } from './silero-vad.js';
import { defaultSpeakerModel, SPEAKER_MODEL_HINT } from './speaker-model.js';
import { WhisperCppEngine } from './whisper-cpp.js';
import { resolveWhisperBinary, resolveWhisperModel } from './whisper-model.js';

/**
 * The engines a run uses, built once by an entry point (job/main.ts, cli/main.ts) and passed down: whisper.cpp with
 * the configured model, Silero VAD, and the speaker embedder (neural when SPEAKER_MODEL_PATH names a model or
 * models/speaker-embedding.onnx exists, model-free otherwise), and the recap's language model when RECAP asks for one.
 * A missing model or binary is a ConfigError saying how to provide it, raised here before any work.
 */
export interface Engines {
  asr: AsrEngine;
  vad: VadEngine;
  embedder?: SpeakerEmbedder;
  /** Writes the session recap; absent when RECAP is off. */
  recap?: RecapModel;
}

export async function createEngines(config: JobConfig, env: Env, log: Logger): Promise<Engines> {
  const asr = new WhisperCppEngine({ binaryPath: resolveWhisperBinary(env), modelPath: resolveWhisperModel(config.model), log });
  // The neural model wherever it can be: SPEAKER_MODEL_PATH, else the one `make model` put in the model folder.
  const modelPath = config.speakerModelPath ?? defaultSpeakerModel(config.model.dir);
  const embedder = await createSpeakerEmbedder({ modelPath, threads: config.threads });
  if (!modelPath) log.info(`Speaker embeddings: the model-free embedder (weaker on real recordings); for the neural one, ${SPEAKER_MODEL_HINT}`);
  const recap = createRecapModel(config.recap);
  if (recap) log.info(`Recap: ${recap.description}`);
  return { asr, vad: await SileroVad.create(), embedder, ...(recap ? { recap } : {}) };
}

/**
 * The recap's model as RECAP says: Gemini on Vertex AI (Application Default Credentials unless `googleAuthOptions`
 * names others), an OpenAI-compatible server, or none.
 */
export function createRecapModel(config: RecapConfig, options: { googleAuthOptions?: VertexRecapOptions['googleAuthOptions'] } = {}): RecapModel | undefined {
  switch (config.backend) {
    case 'off':
      return undefined;
    case 'vertex':
      return new VertexRecapModel({ project: config.project!, location: config.location, model: config.model, baseUrl: config.url, googleAuthOptions: options.googleAuthOptions });
    case 'openai':
      return new OpenAiRecapModel({ url: config.url!, model: config.model, apiKey: config.apiKey });
  }
}
