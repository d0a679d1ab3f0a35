import type { Env } from '../../lib/config/common.js';
import type { JobConfig } from '../../lib/config/job.js';
import type { Logger } from '../../lib/log.js';
import type { AsrEngine } from './asr.js';
import type { SpeakerEmbedder } from './embedder.js';
import { createSpeakerEmbedder } from './embedder-factory.js';
import { SileroVad, type VadEngine } from './silero-vad.js';
import { WhisperCppEngine } from './whisper-cpp.js';
import { resolveWhisperBinary, resolveWhisperModel } from './whisper-model.js';

/**
 * The engines a run uses, built once by an entry point (job/main.ts, cli/main.ts) and passed down: whisper.cpp with
 * the configured model, Silero VAD, and the speaker embedder (neural when SPEAKER_MODEL_PATH names a model).
 * A missing model or binary is a ConfigError saying how to provide it, raised here before any work.
 */
export interface Engines {
  asr: AsrEngine;
  vad: VadEngine;
  embedder?: SpeakerEmbedder;
}

export async function createEngines(config: JobConfig, env: Env, log: Logger): Promise<Engines> {
  const asr = new WhisperCppEngine({ binaryPath: resolveWhisperBinary(env), modelPath: resolveWhisperModel(config.model), log });
  const embedder = await createSpeakerEmbedder({ modelPath: config.speakerModelPath, threads: config.threads });
  return { asr, vad: await SileroVad.create(), embedder };
}
