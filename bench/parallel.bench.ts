/**
 * A 4-hour session from _READY to the email, with 1, 4, 8 and 16 parallel tasks of 4 vCPUs: what each phase costs,
 * measured on this machine, and the wall time and vCPU-hours that follow.
 *
 * Measured here (2 cores):
 *   - the plan (job/plan.ts: fetch, decode, VAD, chunk plan, every chunk's speech-only WAV written to a work folder)
 *     on a 4-hour m4a made of a generated role-play hour (bench/diarize.bench.ts's, every line said differently),
 *     four times over;
 *   - the speakers (diarize + identify, the model-free embedder) on the same session;
 *   - whisper-cli per chunk with a large-v3-turbo-sized random q8_0 model, greedy: a call on 30 s and one on 60 s of
 *     speech at 2 threads give the cost of a 30 s window and the fixed cost of a call (start, model load); a 30 s
 *     call at 1 thread gives the thread scaling; the same two calls with the AVX2-only build (when
 *     bench/whisper-builds.bench.ts has built it) give the projection for a host without AVX-512/AMX.
 * Projected (how): a 4-vCPU task encodes a window in the 2-thread time divided by 2 × the 1→2-thread efficiency
 * measured here (whisper's encoder is matrix products that scale alike to 4 threads); the plan, the speakers and the
 * finish run as measured (they are single-threaded or ffmpeg); each task starts TASK_START_S after _READY (Cloud Run
 * start and image pull, an estimate) and the email leaves MAIL_S after the upload (the mailer). Then the chunks of the
 * plan that N tasks would make (job/stages/chunk.ts) are handed out one at a time to whichever task is free first,
 * the planner joining once its speakers are written, as job/parallel/task.ts does. A task is billed from its start to
 * its exit (the waiting for the plan included), 4 vCPUs each.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createLogger, memoryLogger } from '../lib/log.js';
import { FileStore } from '../lib/storage/index.js';
import { condensedRegions } from '../job/audio/condense.js';
import { SpectralEmbedder } from '../job/engines/embedder-spectral.js';
import { ffmpegTools } from '../job/engines/ffmpeg.js';
import { SileroVad } from '../job/engines/silero-vad.js';
import { WhisperCppEngine } from '../job/engines/whisper-cpp.js';
import { packageRoot, resolveWhisperBinary } from '../job/engines/whisper-model.js';
import { planSession, speakersOf } from '../job/plan.js';
import { silentProgress } from '../job/progress.js';
import { RunContext } from '../job/run-context.js';
import type { RunDeps } from '../job/run.js';
import { chunkCountFor, chunkSecondsFor, planBalancedChunks } from '../job/stages/chunk.js';
import { loopedDialogueWav } from '../test/support/fixtures.js';
import { LARGE_V3_TURBO_DIMS, writeGgmlModel } from '../test/support/ggml-model.js';
import { testSettings } from '../test/support/run-settings.js';

const HOURS = Number(process.env.BENCH_HOURS ?? '4');
const TASK_START_S = 30;
const MAIL_S = 10;
const VCPUS = 4;
const root = resolve('.cache/bench');
const say = (line: string) => process.stdout.write(line + '\n');

// The session: the generated hour, HOURS times, as one m4a.
const hourPcm = join(root, 'diarize-1h-varied.pcm');
if (!existsSync(hourPcm)) {
  say('generating the role-play hour first (bench/diarize.bench.ts)…');
  execFileSync('npx', ['tsx', 'bench/diarize.bench.ts'], { stdio: 'inherit', env: { ...process.env, BENCH_HOURS: '1' } });
}
const sessionDir = join(root, `parallel-${HOURS}h`);
const audio = join(sessionDir, 'partie.m4a');
if (!existsSync(audio)) {
  mkdirSync(sessionDir, { recursive: true });
  say(`encoding ${HOURS} h of role-play into ${audio} (once)…`);
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-stream_loop', String(HOURS - 1), '-f', 's16le', '-ar', '16000', '-ac', '1', '-i', hourPcm, '-c:a', 'aac', '-b:a', '64k', audio]);
}

// 1. The plan and the speakers, through the job's own phases.
const work = join(root, `parallel-work-${HOURS}h`);
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const chunkStore = new FileStore(join(work, 'chunks'));
const deps: RunDeps = {
  input: new FileStore(sessionDir),
  output: new FileStore(join(work, 'out')),
  asr: { description: 'unused', transcribe: () => Promise.reject(new Error('no ASR in the plan')) },
  vad: await SileroVad.create({ parallel: 2 }),
  embedder: new SpectralEmbedder(),
  tools: ffmpegTools(),
  log: memoryLogger(),
  progress: silentProgress,
  workDir: join(work, 'scratch'),
};
const settings = testSettings({ session: 'bench', chunk: { maxSeconds: 900, overlapSeconds: 2 }, tasks: 1 });
const run = new RunContext(deps);
let t = performance.now();
const planned = await planSession(run, settings, deps, async (unit, wav) => {
  await chunkStore.upload(wav, `${unit.id}.wav`);
});
const planSeconds = (performance.now() - t) / 1000;
const rssAfterPlan = process.resourceUsage().maxRSS / 1024;
t = performance.now();
const speakers = await speakersOf(run, settings, deps, planned.doc.context, planned.forSpeakers!);
const speakersSeconds = (performance.now() - t) / 1000;
const rss = process.resourceUsage().maxRSS / 1024;
const lane = planned.doc.lanes[0]!;
const duration = planned.doc.facts.duration;
const speech = lane.plan.duration;
const audioBytes = planned.doc.units.reduce((n, u) => n + statSync(join(work, 'chunks', `${u.id}.wav`)).size, 0);
rmSync(work, { recursive: true, force: true });

// 2. whisper-cli per call and per window.
const modelPath = join(root, 'ggml-large-v3-turbo-dims-random-q8_0.bin');
if (!existsSync(modelPath)) {
  say(`generating a random-weight model with large-v3-turbo's dimensions into ${modelPath} (once)…`);
  await writeGgmlModel(modelPath, LARGE_V3_TURBO_DIMS, { weights: 'q8_0' });
}
const speechWav = { 30: await loopedDialogueWav(join(root, 'speech-30s.wav'), 30), 60: await loopedDialogueWav(join(root, 'speech-60s.wav'), 60) };
const quiet = createLogger({ write: () => undefined });
/** A build's cost per 30 s window at 2 threads, its fixed cost per call, and the 1 → 2-thread efficiency. */
async function whisperCosts(binaryPath: string, withScaling: boolean): Promise<{ window2: number; fixed: number; efficiency?: number }> {
  const engine = new WhisperCppEngine({ binaryPath, modelPath, log: quiet, decoding: { noFallback: true } });
  const call = async (seconds: 30 | 60, threads: number) => {
    const started = performance.now();
    await engine.transcribe(speechWav[seconds], { language: 'fr', beamSize: 1, threads });
    return (performance.now() - started) / 1000;
  };
  await call(30, 2); // warms the page cache with the model
  const c30 = await call(30, 2);
  const c60 = await call(60, 2);
  const window2 = Math.max(0.1, c60 - c30);
  const fixed = Math.max(0, c30 - window2);
  if (!withScaling) return { window2, fixed };
  const c30one = await call(30, 1);
  return { window2, fixed, efficiency: (c30one - fixed) / (2 * window2) };
}
const best = await whisperCosts(resolveWhisperBinary(process.env, packageRoot()), true);
const measuredEfficiency = best.efficiency!;
const efficiency = Math.min(1, Math.max(0.5, measuredEfficiency));
// The AVX2-only build (bench/whisper-builds.bench.ts builds it): what a Cloud Run host without AVX-512/AMX runs.
const avx2Binary = resolve('.cache/whisper-avx2/bin/whisper-cli');
const avx2 = existsSync(avx2Binary) ? await whisperCosts(avx2Binary, false) : undefined;

// 3. The projection.
const finishSeconds = 15; // merge, names, glossary, render, zip, upload: seconds in the tests, kept generous
function project(tasks: number, build: { window2: number; fixed: number }): { wall: number; vcpuHours: number; chunks: number; chunkMinutes: number } {
  const window4 = build.window2 / (2 * efficiency);
  const fixed = build.fixed;
  const count = chunkCountFor(speech, chunkSecondsFor(speech, tasks, 900), 900);
  const chunks = planBalancedChunks(speech, condensedRegions(lane.plan), { count, overlapSeconds: 2, pauses: lane.plan.pauses });
  const planDone = TASK_START_S + planSeconds;
  const free = Array.from({ length: tasks }, (_, i) => (i === 0 ? planDone + speakersSeconds : planDone));
  const exit = [...free];
  for (const c of chunks) {
    const i = free.indexOf(Math.min(...free));
    free[i]! += fixed + Math.ceil((c.end - c.start) / 30) * window4;
    exit[i] = free[i]!;
  }
  const last = Math.max(...exit);
  exit[exit.indexOf(last)] = last + finishSeconds;
  // Every task is billed from its start (TASK_START_S after _READY) until it exits.
  const billed = exit.reduce((n, e) => n + (e - TASK_START_S), 0);
  return { wall: last + finishSeconds + MAIL_S, vcpuHours: (billed * VCPUS) / 3600, chunks: chunks.length, chunkMinutes: (speech / chunks.length) / 60 };
}

const clock = (s: number) => `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
say(`\nparallel tasks: a ${HOURS}-hour session (${Math.round(duration / 60)} min), ${Math.round(speech / 60)} min of speech-only audio`);
say(`  plan          ${planSeconds.toFixed(1)} s (${(duration / planSeconds).toFixed(0)}× real time): fetch, decode, VAD, ${planned.doc.units.length} chunks of speech-only audio written (${(audioBytes / 1e6).toFixed(0)} MB)`);
say(`  speakers      ${speakersSeconds.toFixed(1)} s (${(duration / speakersSeconds).toFixed(0)}× real time), ${speakers.summaries.length} voices, model-free embedder`);
say(`  peak RSS      ${rssAfterPlan.toFixed(0)} MB after the plan, ${rss.toFixed(0)} MB after the speakers`);
say(`  whisper-cli   best build: ${best.window2.toFixed(1)} s per 30 s window at 2 threads, ${best.fixed.toFixed(1)} s fixed per call (start, model load); 1 → 2 threads ${(measuredEfficiency * 100).toFixed(0)} % efficient (${(efficiency * 100).toFixed(0)} % used)`);
say(`                => a 4-vCPU task: ${(best.window2 / (2 * efficiency)).toFixed(1)} s per window, ${(best.window2 / (2 * efficiency) / 30).toFixed(2)} s per second of speech`);
if (avx2) say(`                AVX2-only build: ${avx2.window2.toFixed(1)} s per window at 2 threads (${(avx2.window2 / best.window2).toFixed(2)}× the best build), ${avx2.fixed.toFixed(1)} s fixed`);
const table = (name: string, build: { window2: number; fixed: number }) => {
  say(`  projection, ${name}: tasks of ${VCPUS} vCPUs, each starting ${TASK_START_S} s after _READY, email ${MAIL_S} s after the upload`);
  const one = project(1, build);
  for (const n of [1, 4, 8, 16]) {
    const p = n === 1 ? one : project(n, build);
    say(`    ${String(n).padStart(2)} task${n > 1 ? 's' : ' '}  ${String(p.chunks).padStart(3)} chunks of ${p.chunkMinutes.toFixed(1).padStart(4)} min   _READY → email ${clock(p.wall).padStart(14)}   ${p.vcpuHours.toFixed(2)} vCPU-hours (${n === 1 ? 'the reference' : `${p.vcpuHours >= one.vcpuHours ? '+' : ''}${(((p.vcpuHours - one.vcpuHours) / one.vcpuHours) * 100).toFixed(0)} %`})`);
  }
};
table('hosts with AMX (the best build here)', best);
if (avx2) table('AVX2-only hosts', avx2);
say(`  targets: ≤ 30 min from _READY to the email on 4-vCPU tasks, ≤ 15 % more vCPU-hours than one task`);
