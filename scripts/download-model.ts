/**
 * `make model MODEL=large-v3-turbo`: downloads the models a local run needs into models/ (or WHISPER_MODEL_DIR), the
 * same ones the cloud image bakes in:
 *  - a ggml whisper model from whisper.cpp's Hugging Face repository. Sizes are the names the job accepts in
 *    WHISPER_MODEL_SIZE (large-v3-turbo, large-v3, medium, small, base, tiny, …) or an exact ggml-*.bin file name;
 *  - the CAM++ speaker-embedding model (scripts/model-sources.ts), checked against its SHA-256, saved as
 *    models/speaker-embedding.onnx, where local runs look for it.
 * Each download goes to a .part file, renamed only once complete and checked (a whisper ggml model, the right
 * SHA-256), so an interrupted download never passes for a model. Needs internet: run it where the image is built,
 * not on the transcription machines.
 *
 * Usage: npx tsx scripts/download-model.ts [MODEL] [--dir DIR] [--force] [--whisper-only | --speaker-only]
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { checkWhisperModel, modelFileNames } from '../job/engines/whisper-model.js';
import { SPEAKER_MODEL_FILE } from '../job/engines/speaker-model.js';
import { SPEAKER_MODEL_SHA256, SPEAKER_MODEL_URL } from './model-sources.js';

// WHISPER_MODEL_MIRROR: another server with the same file names (a company mirror, or a loopback server to try this).
const BASE_URL = process.env.WHISPER_MODEL_MIRROR ?? 'https://huggingface.co/ggerganov/whisper.cpp/resolve/main';
// The Dockerfile's build arguments of the same names; a mirror of the speaker model needs both.
const SPEAKER_URL = process.env.SPEAKER_MODEL_URL || SPEAKER_MODEL_URL;
const SPEAKER_SHA256 = (process.env.SPEAKER_MODEL_SHA256 || SPEAKER_MODEL_SHA256).toLowerCase();

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { dir: { type: 'string' }, force: { type: 'boolean', default: false }, 'whisper-only': { type: 'boolean', default: false }, 'speaker-only': { type: 'boolean', default: false } },
  });
  const size = positionals[0] || process.env.MODEL || process.env.WHISPER_MODEL_SIZE || 'large-v3-turbo';
  const dir = resolve(values.dir ?? process.env.WHISPER_MODEL_DIR ?? 'models');
  mkdirSync(dir, { recursive: true });
  if (!values['speaker-only']) {
    const file = modelFileNames(size)[0]!;
    const code = await fetchModel(`${BASE_URL}/${file}`, join(dir, file), values.force, { check: checkWhisperModel, unreachable: 'copy a ggml model file into models/ by hand, or point --model / WHISPER_MODEL_PATH at one' });
    if (code !== 0) {
      if (code === 404) console.error(`no ${file} there. Known sizes: large-v3-turbo, large-v3, medium, small, base, tiny (and their .en / -q5_0 / -q8_0 variants)`);
      return 1;
    }
    console.log(`whisper model ready: use it with WHISPER_MODEL_SIZE=${size} (models/ is the default folder).`);
  }
  if (!values['whisper-only']) {
    const code = await fetchModel(SPEAKER_URL, join(dir, SPEAKER_MODEL_FILE), values.force, {
      check: (path) => checkSha256(path, SPEAKER_SHA256),
      unreachable: `copy the speaker model (${SPEAKER_URL.split('/').pop()}) into ${join(dir, SPEAKER_MODEL_FILE)} by hand; without it the model-free speaker embedder is used`,
    });
    if (code !== 0) return 1;
    console.log(`speaker model ready: local runs use ${join(dir, SPEAKER_MODEL_FILE)} (SPEAKER_MODEL_PATH overrides it).`);
  }
  return 0;
}

/** Downloads `url` to `target` through a .part file; 0 on success (or already there), the HTTP status or 1 on failure. */
async function fetchModel(url: string, target: string, force: boolean, options: { check: (path: string) => void | Promise<void>; unreachable: string }): Promise<number> {
  if (existsSync(target) && !force) {
    try {
      await options.check(target);
      console.log(`${target} is already there (${mb(statSync(target).size)}); --force to download again`);
      return 0;
    } catch (err) {
      console.log(`${target} is there but ${(err as Error).message}: downloading it again`);
    }
  }
  console.log(`downloading ${url}\n         -> ${target}`);
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    console.error(`cannot reach ${new URL(url).host} (${(err as Error).cause ?? (err as Error).message}).`);
    console.error(`Without internet, ${options.unreachable}.`);
    return 1;
  }
  if (!response.ok || !response.body) {
    console.error(`${url}: HTTP ${response.status} ${response.statusText}`);
    return response.status || 1;
  }
  const total = Number(response.headers.get('content-length') ?? 0);
  const part = `${target}.part`;
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {done}/{size} | {speed} | ETA {eta_formatted}', hideCursor: true, noTTYOutput: true, notTTYSchedule: 10_000 },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let received = 0;
  bar.start(total || 1, 0, { done: mb(0), size: total ? mb(total) : '?', speed: '' });
  const meter = new Transform({
    transform(chunk: Buffer, _enc, next) {
      received += chunk.length;
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      bar.update(total ? received : 0, { done: mb(received), speed: `${mb(received / seconds)}/s` });
      next(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), meter, createWriteStream(part));
    bar.stop();
    if (total && received !== total) throw new Error(`incomplete download: ${received} of ${total} bytes`);
    await options.check(part);
    renameSync(part, target);
  } catch (err) {
    bar.stop();
    rmSync(part, { force: true });
    console.error(`download failed: ${(err as Error).message}`);
    return 1;
  }
  console.log(`saved ${target} (${mb(received)})`);
  return 0;
}

async function checkSha256(path: string, expected: string): Promise<void> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  const actual = hash.digest('hex');
  if (actual !== expected) throw new Error(`its SHA-256 is ${actual}, not the expected ${expected}`);
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e8 ? 1 : 0)} MB`;
}

process.exitCode = await main();
