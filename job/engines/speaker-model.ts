import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Where a run finds the neural speaker-embedding model when SPEAKER_MODEL_PATH names none: the file `make model`
 * downloads (and the image bakes) into the model folder. Where it comes from is build-time knowledge, kept in
 * scripts/model-sources.ts: nothing in the job downloads.
 */
export const SPEAKER_MODEL_FILE = 'speaker-embedding.onnx';

/** How to get the better embedder, for the report, the logs and --help. */
export const SPEAKER_MODEL_HINT = `run \`make model\` (it downloads the CAM++ speaker model into models/${SPEAKER_MODEL_FILE}) or set SPEAKER_MODEL_PATH`;

/** models/speaker-embedding.onnx (in the model folder) when `make model` put it there: local runs then use it. */
export function defaultSpeakerModel(modelDir: string, cwd = process.cwd()): string | undefined {
  const file = join(resolve(cwd, modelDir), SPEAKER_MODEL_FILE);
  return existsSync(file) ? file : undefined;
}
