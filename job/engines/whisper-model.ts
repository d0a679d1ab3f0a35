import { accessSync, closeSync, constants, existsSync, openSync, readSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../lib/errors.js';

/**
 * Finding the two things whisper.cpp needs: a ggml model file and the whisper-cli binary. Pure apart from reading
 * the file system; every miss says exactly how to provide what is missing, since on a fresh clone both are absent.
 */
export interface ModelSettings {
  /** WHISPER_MODEL_PATH / --model: a file; wins over dir + size. */
  path?: string;
  /** WHISPER_MODEL_DIR / --model-dir. */
  dir: string;
  /** WHISPER_MODEL_SIZE / --model-size: `large-v3-turbo`, `large-v3`, `medium`, … or a `ggml-*.bin` file name. */
  size: string;
}

export const GGML_MAGIC = 0x67676d6c;

/**
 * File names tried for a model size, best first. The two production sizes default to the quantisations the image
 * bakes in (turbo q8_0, 874 MB; large-v3 q5_0 as the quality mode) and accept the unquantised file too.
 */
export function modelFileNames(size: string): string[] {
  if (/^ggml-.+\.bin$/.test(size)) return [size];
  if (size === 'large-v3-turbo') return ['ggml-large-v3-turbo-q8_0.bin', 'ggml-large-v3-turbo.bin'];
  if (size === 'large-v3') return ['ggml-large-v3-q5_0.bin', 'ggml-large-v3.bin'];
  return [`ggml-${size}.bin`];
}

/** The model file to use, absolute. Throws ConfigError when it is missing or not a whisper ggml model. */
export function resolveWhisperModel(settings: ModelSettings, cwd = process.cwd()): string {
  if (settings.path) {
    const file = resolve(cwd, settings.path);
    if (!existsSync(file)) {
      throw new ConfigError([`${settings.path}: no such file (given by --model / WHISPER_MODEL_PATH)`, ...howToProvide(settings.size)], 'Whisper model not found');
    }
    checkWhisperModel(file);
    return file;
  }
  const dir = resolve(cwd, settings.dir);
  const names = modelFileNames(settings.size);
  for (const name of names) {
    const file = join(dir, name);
    if (existsSync(file)) {
      checkWhisperModel(file);
      return file;
    }
  }
  const tried = names.map((n) => join(settings.dir, n)).join(' or ');
  throw new ConfigError([`no ${tried} (WHISPER_MODEL_SIZE=${settings.size}, WHISPER_MODEL_DIR=${settings.dir})`, ...howToProvide(settings.size)], 'Whisper model not found');
}

function howToProvide(size: string): string[] {
  const name = /^ggml-.+\.bin$/.test(size) ? size.slice(5, -4) : size;
  return [
    'give a ggml model file with --model PATH or WHISPER_MODEL_PATH=PATH,',
    'or put one in the model folder (--model-dir / WHISPER_MODEL_DIR, default ./models) and name it with --model-size / WHISPER_MODEL_SIZE,',
    `or, on a machine with internet, run \`make model MODEL=${name}\` to download it into models/ (large-v3-turbo, large-v3, medium, small, base, tiny).`,
  ];
}

/**
 * Checks the ggml magic and that the hyper-parameters are a whisper model's, so that a PyTorch checkpoint, an ONNX
 * file, a GGUF file or whisper.cpp's own Silero VAD model (also ggml) is rejected here with a reason rather than by
 * whisper-cli mid-run.
 */
export function checkWhisperModel(file: string): void {
  const bad = (why: string) => new ConfigError([`${file}: ${why}`, 'whisper.cpp needs a ggml whisper model (ggml-*.bin, e.g. from `make model`)'], 'Not a whisper model');
  if (statSync(file).isDirectory()) throw bad('is a folder, not a model file');
  const head = Buffer.alloc(4 + 11 * 4);
  const fd = openSync(file, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (n < 4) throw bad(`too short (${n} bytes)`);
  const magic = head.readUInt32LE(0);
  if (magic !== GGML_MAGIC) throw bad(describeForeign(head));
  if (n < head.length) throw bad('truncated header');
  const nVocab = head.readInt32LE(4);
  const nAudioState = head.readInt32LE(12);
  const nTextState = head.readInt32LE(28);
  const nMels = head.readInt32LE(40);
  const whisperLike = nVocab >= 51864 && nVocab <= 51866 && (nMels === 80 || nMels === 128) && nAudioState === nTextState;
  if (!whisperLike) {
    const vad = head.subarray(8, 14).toString('latin1') === 'silero';
    throw bad(vad ? "a ggml file, but whisper.cpp's Silero VAD model, not a speech-recognition model" : `a ggml file, but not a whisper model (n_vocab ${nVocab}, n_mels ${nMels})`);
  }
}

function describeForeign(head: Buffer): string {
  if (head.subarray(0, 2).toString('latin1') === 'PK') return 'a zip archive, probably a PyTorch checkpoint (.pt); convert it with whisper.cpp models/convert-pt-to-ggml.py';
  if (head.subarray(0, 4).toString('latin1') === 'GGUF') return 'a GGUF file (llama.cpp format), not a whisper.cpp ggml model';
  if (head[0] === 0x08) return 'looks like an ONNX/protobuf model, not a whisper.cpp ggml model';
  return `does not start with the ggml magic (found 0x${head.readUInt32LE(0).toString(16).padStart(8, '0')})`;
}

/** The project's root: the nearest folder above this module holding package.json (works from source and dist/). */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

/** whisper-cli: WHISPER_CLI, else the one `make install` builds into vendor/, else one on PATH. */
export function resolveWhisperBinary(env: Record<string, string | undefined> = process.env, root = packageRoot()): string {
  const buildHint = 'run `make install` (or scripts/build-whisper.sh) to build it into vendor/whisper.cpp/bin/, or set WHISPER_CLI to a whisper-cli binary';
  if (env.WHISPER_CLI) {
    const file = resolve(env.WHISPER_CLI);
    if (!isExecutable(file)) throw new ConfigError([`WHISPER_CLI=${env.WHISPER_CLI}: not an executable file`, buildHint], 'whisper-cli not found');
    return file;
  }
  const vendored = join(root, 'vendor', 'whisper.cpp', 'bin', 'whisper-cli');
  if (isExecutable(vendored)) return vendored;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const file = join(dir, 'whisper-cli');
    if (isExecutable(file)) return file;
  }
  throw new ConfigError([`no whisper-cli at ${vendored} nor on PATH`, buildHint], 'whisper-cli not found');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
