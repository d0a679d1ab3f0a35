/**
 * `make model MODEL=large-v3-turbo`: downloads a ggml whisper model from whisper.cpp's Hugging Face repository
 * into models/ (or WHISPER_MODEL_DIR). Sizes are the names the job accepts in WHISPER_MODEL_SIZE (large-v3-turbo,
 * large-v3, medium, small, base, tiny, …) or an exact ggml-*.bin file name. The download goes to a .part file,
 * renamed only once complete and checked to be a whisper ggml model, so an interrupted download never passes for a
 * model. Needs internet: run it where the image is built, not on the transcription machines.
 *
 * Usage: npx tsx scripts/download-model.ts [MODEL] [--dir DIR] [--force]
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { checkWhisperModel, modelFileNames } from '../job/engines/whisper-model.js';

// WHISPER_MODEL_MIRROR: another server with the same file names (a company mirror, or a loopback server to try this).
const BASE_URL = process.env.WHISPER_MODEL_MIRROR ?? 'https://huggingface.co/ggerganov/whisper.cpp/resolve/main';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { dir: { type: 'string' }, force: { type: 'boolean', default: false } } });
  const size = positionals[0] || process.env.MODEL || process.env.WHISPER_MODEL_SIZE || 'large-v3-turbo';
  const dir = resolve(values.dir ?? process.env.WHISPER_MODEL_DIR ?? 'models');
  const file = modelFileNames(size)[0]!;
  const target = join(dir, file);

  if (existsSync(target) && !values.force) {
    checkWhisperModel(target);
    console.log(`${target} is already there (${mb(statSync(target).size)}); --force to download again`);
    return 0;
  }
  mkdirSync(dir, { recursive: true });
  const url = `${BASE_URL}/${file}`;
  console.log(`downloading ${url}\n         -> ${target}`);

  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    console.error(`cannot reach huggingface.co (${(err as Error).cause ?? (err as Error).message}).`);
    console.error('Without internet, copy a ggml model file into models/ by hand, or point --model / WHISPER_MODEL_PATH at one.');
    return 1;
  }
  if (!response.ok || !response.body) {
    console.error(`${url}: HTTP ${response.status} ${response.statusText}`);
    if (response.status === 404) console.error(`no ${file} there. Known sizes: large-v3-turbo, large-v3, medium, small, base, tiny (and their .en / -q5_0 / -q8_0 variants)`);
    return 1;
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
    checkWhisperModel(part);
    renameSync(part, target);
  } catch (err) {
    bar.stop();
    rmSync(part, { force: true });
    console.error(`download failed: ${(err as Error).message}`);
    return 1;
  }
  console.log(`saved ${target} (${mb(received)}). Use it with WHISPER_MODEL_SIZE=${size} (models/ is the default folder).`);
  return 0;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e8 ? 1 : 0)} MB`;
}

process.exitCode = await main();
