/**
 * `make demo`: generates a small French/English session with espeak-ng into demo/input and runs the real pipeline on
 * it, writing output/demo/. Uses the Whisper model from models/ (or WHISPER_MODEL_PATH / WHISPER_MODEL_DIR). With no
 * model on the machine it says how to get one, then runs with a random-weight model so that every stage still runs:
 * the transcript's words are then noise, and the demo says so.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from '../lib/errors.js';
import { main } from '../cli/main.js';
import { resolveWhisperModel } from '../job/engines/whisper-model.js';
import { writeDemoSession } from '../test/support/demo-session.js';
import { TINY_DIMS, writeGgmlModel } from '../test/support/ggml-model.js';

const input = resolve('demo/session-12');
const out = resolve('output/demo');
process.stderr.write(`demo: writing a generated session into ${input}\n`);
await writeDemoSession(input);

const args = ['run', input, '--out', out, '--lang', 'fr', '--secondary-lang', 'en'];
try {
  resolveWhisperModel({ path: process.env.WHISPER_MODEL_PATH, dir: process.env.WHISPER_MODEL_DIR ?? 'models', size: process.env.WHISPER_MODEL_SIZE ?? 'large-v3-turbo' });
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  const fake = resolve('.cache/demo/ggml-random-tiny.bin');
  if (!existsSync(fake)) {
    await mkdir(join(fake, '..'), { recursive: true });
    await writeGgmlModel(fake, TINY_DIMS);
  }
  process.stderr.write(
    [
      '',
      'demo: no Whisper model on this machine.',
      ...err.problems.map((p) => `  ${p}`),
      `demo: running with a RANDOM-WEIGHT model instead (${fake}): every stage runs for real, but the words in the`,
      'demo: transcript are noise. Run `make model` on a machine with internet for a real transcript.',
      '',
    ].join('\n'),
  );
  args.push('--model', fake, '--beam-size', '1');
}
const code = await main(args);
if (code === 0) process.stderr.write(`demo: outputs in ${out}\n`);
process.exit(code);
