/**
 * What runtime CPU dispatch buys: the AVX2-only static whisper-cli (WHISPER_CPU_LEVEL=avx2, the build before
 * dispatch, kept in .cache/whisper-avx2 and built there by scripts/build-whisper.sh when missing) against the
 * vendored build, where ggml loads the best libggml-cpu-<variant>.so for this CPU (AVX-512, AMX).
 * Same argv for both: a random-weight model of large-v3-turbo's dimensions stored as q8_0 like the image's,
 * ≈ 10 s of espeak speech (one 30 s window), greedy, no temperature fallback, 2 threads.
 *
 * The runs alternate in pairs (AB, BA, AB, …) so that drift on this shared machine falls on both builds; prints each
 * pair, the median ratio (AVX2 wall / best wall, > 1 means the best build is faster), whisper-cli's encoder and
 * decoder times and the CPU variant ggml loaded. BENCH_PAIRS (4), BENCH_SECONDS (10) and BENCH_THREADS (2) change
 * the run; BENCH_VARIANTS=haswell,icelake adds arms that force one variant of the vendored build (a folder holding
 * only that libggml-cpu-<variant>.so), to tell what AMX adds over AVX-512 and what the shared build costs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, createReadStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { packageRoot, resolveWhisperBinary } from '../job/engines/whisper-model.js';
import { loopedDialogueWav } from '../test/support/fixtures.js';
import { LARGE_V3_TURBO_DIMS, writeGgmlModel } from '../test/support/ggml-model.js';

const pairs = Number(process.env.BENCH_PAIRS ?? '4');
const seconds = Number(process.env.BENCH_SECONDS ?? '10');
const threads = Number(process.env.BENCH_THREADS ?? '2');
const forced = (process.env.BENCH_VARIANTS ?? '').split(',').filter(Boolean);
const root = packageRoot();
const cache = resolve(root, '.cache/bench');
const modelPath = join(cache, 'ggml-large-v3-turbo-dims-random-q8_0.bin');
const wav = join(cache, `speech-${seconds}s.wav`);
const avx2Prefix = resolve(root, '.cache/whisper-avx2');
const say = (line: string) => process.stdout.write(line + '\n');

mkdirSync(cache, { recursive: true });
const best = resolveWhisperBinary(process.env, root);
const built = spawnSync('bash', [join(root, 'scripts/build-whisper.sh')], {
  env: { ...process.env, WHISPER_CPU_LEVEL: 'avx2', WHISPER_PREFIX: avx2Prefix, FORCE: '0' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (built.status !== 0) throw new Error(`scripts/build-whisper.sh (WHISPER_CPU_LEVEL=avx2) exited ${built.status}`);
const avx2 = join(avx2Prefix, 'bin/whisper-cli');

if (!existsSync(modelPath)) {
  say(`generating a random-weight model with large-v3-turbo's dimensions into ${modelPath} (once)…`);
  const t = performance.now();
  await writeGgmlModel(modelPath, LARGE_V3_TURBO_DIMS, { weights: 'q8_0' });
  say(`  done in ${((performance.now() - t) / 1000).toFixed(0)} s`);
}
await loopedDialogueWav(wav, seconds);
// Reading the model once puts it in the page cache, so no run pays for the disk.
await pipeline(createReadStream(modelPath), new Writable({ write: (_c, _e, next) => next() }));

/** A copy of the vendored bin/ with one CPU variant only: ggml can load nothing else. */
function forcedBuild(variant: string): string {
  const from = dirname(best);
  const dir = join(cache, `whisper-forced-${variant}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const keep = readdirSync(from).filter((f) => !f.startsWith('libggml-cpu-') || f === `libggml-cpu-${variant}.so`);
  if (!keep.includes(`libggml-cpu-${variant}.so`)) throw new Error(`no libggml-cpu-${variant}.so in ${from}`);
  for (const f of keep) copyFileSync(join(from, f), join(dir, f));
  return join(dir, 'whisper-cli');
}

interface Arm {
  name: string;
  binary: string;
  walls: number[];
  encodeMs: number[];
  decodeMs: number[];
  /** Decoder steps: random weights decode different garbage in each build, so decoder times compare loosely. */
  decodeRuns: number[];
  stderr: string;
}
const arms: Arm[] = [
  { name: 'avx2', binary: avx2 },
  { name: 'best', binary: best },
  ...forced.map((v) => ({ name: `only ${v}`, binary: forcedBuild(v) })),
].map((arm) => ({ ...arm, walls: [], encodeMs: [], decodeMs: [], decodeRuns: [], stderr: '' }));
const argv = ['-m', modelPath, '-f', wav, '-t', String(threads), '-l', 'fr', '-bs', '1', '-nf'];

async function run(arm: Arm): Promise<void> {
  const t = performance.now();
  // cwd without libggml-cpu-*.so: ggml scans the current folder as well as the binary's.
  const child = spawn(arm.binary, argv, { cwd: cache, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((ok) => child.on('close', ok));
  if (code !== 0) throw new Error(`${arm.binary} exited ${code}:\n${stderr.slice(-2000)}`);
  arm.walls.push((performance.now() - t) / 1000);
  const timing = (what: string) => new RegExp(`${what} time = +([\\d.]+) ms / +(\\d+) runs`).exec(stderr);
  const [encode, decode, batchd] = ['encode', 'decode', 'batchd'].map(timing);
  if (!encode) throw new Error(`${arm.binary} printed no encoder time:\n${stderr.slice(-2000)}`);
  arm.encodeMs.push(Number(encode[1]));
  arm.decodeMs.push(Number(decode?.[1] ?? 0) + Number(batchd?.[1] ?? 0));
  arm.decodeRuns.push(Number(decode?.[2] ?? 0) + Number(batchd?.[2] ?? 0));
  arm.stderr = stderr;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const rel = (p: string) => relative(root, p);

const load0 = loadavg()[0]!;
say(`\nwhisper-cli builds: ${rel(avx2)} (static, AVX2) vs ${rel(best)} (CPU variant chosen at start)`);
say(`model ${(statSync(modelPath).size / 1e9).toFixed(2)} GB (large-v3-turbo dims, random q8_0), ${seconds} s of espeak speech, ${threads} threads, greedy, ${pairs} alternating rounds`);
for (let i = 0; i < pairs; i++) {
  const order = i % 2 === 0 ? arms : [...arms].reverse();
  for (const arm of order) await run(arm);
  const [a, b] = [arms[0]!.walls[i]!, arms[1]!.walls[i]!];
  const extra = arms.slice(2).map((arm) => `   ${arm.name} ${arm.walls[i]!.toFixed(1)} s`).join('');
  say(`  round ${i + 1} (${order.map((arm) => arm.name).join(' → ')}): avx2 ${a.toFixed(1)} s   best ${b.toFixed(1)} s   ratio ${(a / b).toFixed(2)}×${extra}`);
}
const ratios = arms[0]!.walls.map((w, i) => w / arms[1]!.walls[i]!);
for (const arm of arms) {
  say(`  ${arm.name.padEnd(14)} median wall ${median(arm.walls).toFixed(1).padStart(5)} s (${(seconds / median(arm.walls)).toFixed(2)}× real time)   encoder ${(median(arm.encodeMs) / 1000).toFixed(1)} s   decoder ${(median(arm.decodeMs) / 1000).toFixed(1)} s over ${median(arm.decodeRuns)} steps`);
}
say(`  median ratio avx2 / best: ${median(ratios).toFixed(2)}× (pairs ${ratios.map((r) => r.toFixed(2)).join(', ')}); encoder alone ${(median(arms[0]!.encodeMs) / median(arms[1]!.encodeMs)).toFixed(2)}×`);
for (const arm of arms) {
  const loaded = /^load_backend: loaded CPU backend from (\S+)/m.exec(arm.stderr)?.[1];
  const features = /CPU : (.*?) \|\s*$/m.exec(arm.stderr)?.[1]?.split(' | ').filter((f) => f.endsWith('= 1')).map((f) => f.replace(/ = 1$/, ''));
  say(`  ${arm.name.padEnd(14)} ${loaded ? `loaded ${rel(loaded)}` : 'CPU code linked in'}: ${features?.join(' ') ?? 'no system_info line'}`);
}
const load1 = loadavg()[0]!;
say(`  load average ${load0.toFixed(1)} → ${load1.toFixed(1)} on ${availableParallelism()} CPUs (shared machine: figures are noisy)`);
