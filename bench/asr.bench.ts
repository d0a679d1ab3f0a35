/**
 * ASR cost on this machine: whisper-cli run directly vs through WhisperCppEngine, on ≈ 60 s of espeak speech, with
 * a random-weight model of large-v3-turbo's dimensions stored as q8_0 like the image's model (BENCH_WEIGHTS=f16 for
 * f16, ≈ 3× slower on this CPU).
 * Prints audio seconds, wall seconds, × real time, the engine's overhead over the direct run (target ≤ 10 %) and
 * the peak RSS of the whisper-cli process. Both runs get the same argv (taken from the engine's own debug log).
 *
 * Random weights decode garbage, up to the 224-token limit per 30 s window, so the decoder is bounded the same way
 * in both runs (greedy, no temperature fallback; BENCH_BEAM=5 for beam search): the encoder figures are
 * representative, decoding time is not. BENCH_SECONDS sets the audio length, BENCH_THREADS the threads (2).
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createLogger } from '../lib/log.js';
import { WhisperCppEngine } from '../job/engines/whisper-cpp.js';
import { packageRoot, resolveWhisperBinary } from '../job/engines/whisper-model.js';
import { loopedDialogueWav } from '../test/support/fixtures.js';
import { LARGE_V3_TURBO_DIMS, writeGgmlModel } from '../test/support/ggml-model.js';

const seconds = Number(process.env.BENCH_SECONDS ?? '60');
const threads = Number(process.env.BENCH_THREADS ?? '2');
const beamSize = Number(process.env.BENCH_BEAM ?? '1');
const weights = process.env.BENCH_WEIGHTS === 'f16' ? 'f16' : 'q8_0';
const root = resolve('.cache/bench');
const modelPath = join(root, `ggml-large-v3-turbo-dims-random-${weights}.bin`);
const wav = join(root, `speech-${seconds}s.wav`);
const say = (line: string) => process.stdout.write(line + '\n');

mkdirSync(root, { recursive: true });
const binaryPath = resolveWhisperBinary(process.env, packageRoot());
if (!existsSync(modelPath)) {
  say(`generating a random-weight model with large-v3-turbo's dimensions into ${modelPath} (once)…`);
  const t = performance.now();
  await writeGgmlModel(modelPath, LARGE_V3_TURBO_DIMS, { weights });
  say(`  done in ${((performance.now() - t) / 1000).toFixed(0)} s`);
}
await loopedDialogueWav(wav, seconds);
// Reading the model once puts it in the page cache, so neither run pays for the disk.
await pipeline(createReadStream(modelPath), new Writable({ write: (_c, _e, next) => next() }));

/** Peak RSS (VmHWM) of the whisper-cli process working on `input`, found in /proc; polled until stopped. */
function watchPeakRss(input: string): () => number {
  let peakKb = 0;
  const timer = setInterval(() => {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (!cmd.includes('whisper-cli') || !cmd.includes(input)) continue;
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
      } catch {
        // the process ended between listing and reading
      }
    }
  }, 100);
  return () => (clearInterval(timer), peakKb / 1024);
}

async function viaEngine(): Promise<{ wall: number; rssMb: number; args: string[]; segments: number; timings: string }> {
  let args: string[] = [];
  let stderr = '';
  const log = createLogger({
    json: true,
    minSeverity: 'DEBUG',
    write: (line) => {
      const entry = JSON.parse(line) as { message: string; args?: string[] };
      if (entry.args) args = entry.args;
      if (entry.message.startsWith('whisper-cli: ')) stderr += entry.message + '\n';
    },
  });
  const engine = new WhisperCppEngine({ binaryPath, modelPath, log, decoding: { noFallback: true } });
  const stop = watchPeakRss(wav);
  const t = performance.now();
  const result = await engine.transcribe(wav, { language: 'fr', beamSize, threads });
  const wall = (performance.now() - t) / 1000;
  return { wall, rssMb: stop(), args, segments: result.segments.length, timings: whisperTimings(stderr) };
}

async function direct(args: string[]): Promise<{ wall: number; rssMb: number; timings: string }> {
  const outDir = join(root, 'direct');
  mkdirSync(outDir, { recursive: true });
  const argv = args.map((a, i) => (args[i - 1] === '-of' ? join(outDir, 'out') : a));
  const stop = watchPeakRss(wav);
  const t = performance.now();
  const child = spawn(binaryPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((ok) => child.on('close', ok));
  const wall = (performance.now() - t) / 1000;
  if (code !== 0) throw new Error(`whisper-cli exited ${code}:\n${stderr.slice(-2000)}`);
  return { wall, rssMb: stop(), timings: whisperTimings(stderr) };
}

/** whisper-cli's own account of where the time went: encoder passes and decoder steps. */
function whisperTimings(stderr: string): string {
  const ms = (what: string) => /= *([\d.]+) ms \/ *(\d+) runs/.exec(stderr.split('\n').find((l) => l.includes(`${what} time`)) ?? '');
  const encode = ms('encode');
  const decode = [ms('decode'), ms('batchd')].reduce((sum, m) => sum + (m ? Number(m[1]) : 0), 0);
  if (!encode) return 'whisper-cli printed no timings';
  return `encoder ${(Number(encode[1]) / 1000).toFixed(1)} s over ${encode[2]} window(s) = ${(Number(encode[1]) / 1000 / Number(encode[2])).toFixed(1)} s per 30 s window; decoder ${(decode / 1000).toFixed(1)} s`;
}

const load0 = loadavg()[0]!;
say(`\nASR bench: ${binaryPath.replace(packageRoot() + '/', '')}, model ${(statSync(modelPath).size / 1e9).toFixed(2)} GB (large-v3-turbo dims, random ${weights})`);
say(`audio ${seconds} s of espeak speech, ${threads} threads, beam ${beamSize}, no temperature fallback (same argv both runs)`);
// The engine runs first so its argv can be replayed; a throw-away engine run would double the bench's length.
const engine = await viaEngine();
const raw = await direct(engine.args);
const load1 = loadavg()[0]!;
const row = (name: string, r: { wall: number; rssMb: number }) =>
  say(`  ${name.padEnd(10)} wall ${r.wall.toFixed(1).padStart(6)} s   ${(seconds / r.wall).toFixed(2).padStart(5)}× real time   peak RSS ${r.rssMb.toFixed(0)} MB`);
row('direct', raw);
row('engine', engine);
const overhead = ((engine.wall - raw.wall) / raw.wall) * 100;
say(`  engine overhead vs direct: ${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)} % (target ≤ 10 %); ${engine.segments} segments of random text`);
say(`  whisper-cli's own timings, direct: ${raw.timings}`);
say(`                             engine: ${engine.timings}`);
say(`  load average ${load0.toFixed(1)} → ${load1.toFixed(1)} on ${availableParallelism()} CPUs (shared machine: figures are noisy)`);
