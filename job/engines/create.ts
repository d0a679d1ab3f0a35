import type { Env } from '../../lib/config/common.js';
import type { JobConfig } from '../../lib/config/job.js';
import type { Logger } from '../../lib/log.js';
import type { AsrEngine } from './asr.js';
import type { SpeakerEmbedder } from './embedder.js';
import { createSpeakerEmbedder } from './embedder-factory.js';
import { SileroVad, type VadEngine } from './silero-vad.js';
import { defaultSpeakerModel, SPEAKER_MODEL_HINT } from './speaker-model.js';
import { WhisperCppEngine } from './whisper-cpp.js';
import { resolveWhisperBinary, resolveWhisperModel } from './whisper-model.js';

/**
 * The engines a run uses, built once by an entry point (job/main.ts, cli/main.ts) and passed down: whisper.cpp with
 * the configured model, Silero VAD, and the speaker embedder (neural when SPEAKER_MODEL_PATH names a model or
 * models/speaker-embedding.onnx exists, model-free otherwise).
 * A missing model or binary is a ConfigError saying how to provide it, raised here before any work.
 */
export interface Engines {
  asr: AsrEngine;
  vad: VadEngine;
  embedder?: SpeakerEmbedder;
}

export async function createEngines(config: JobConfig, env: Env, log: Logger): Promise<Engines> {
  const asr = new WhisperCppEngine({ binaryPath: resolveWhisperBinary(env), modelPath: resolveWhisperModel(config.model), log });
  // The neural model wherever it can be: SPEAKER_MODEL_PATH, else the one `make model` put in the model folder.
  const modelPath = config.speakerModelPath ?? defaultSpeakerModel(config.model.dir);
  const embedder = await createSpeakerEmbedder({ modelPath, threads: config.threads });
  if (!modelPath) log.info(`Speaker embeddings: the model-free embedder (weaker on real recordings); for the neural one, ${SPEAKER_MODEL_HINT}`);
  return { asr, vad: await SileroVad.create(), embedder };
}
