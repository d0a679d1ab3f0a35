/**
 * A multitrack session of H hours (default 4, BENCH_HOURS), 5 tracks, through runSession: the front half (decode +
 * VAD + bleed) × real time of the session, the peak RSS of the process that ran it (tracks are streamed to disk,
 * never held whole: target ≤ 600 MB), and the speech found against the tracks' length. Two recordings of one table:
 *  - craig: FLAC tracks with digital silence wherever a player said nothing, and info.txt (what Craig gives);
 *  - table: a mic per player, every mic hearing the others at -20 dB over a -59 dBFS noise floor (no silence to skip).
 * The tracks are 10 generated minutes (espeak-ng) looped by ffmpeg: nothing of a 4-hour track is held by the
 * process that writes it. The ASR engine is a stand-in that hears nothing (this is the front half's figure; ASR is
 * bench/asr.bench.ts) but counts the seconds it is handed, the back half's cost.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_FAINT_DB } from '../lib/config/job.js';
import { wavHeader } from '../job/audio/pcm.js';
import type { AsrEngine, AsrOptions, AsrResult } from '../job/engines/asr.js';
import { ffmpegTools } from '../job/engines/ffmpeg.js';
import { SileroVad } from '../job/engines/silero-vad.js';
import { silentProgress } from '../job/progress.js';
import { runSession } from '../job/run.js';
import { memoryLogger } from '../lib/log.js';
import { FileStore } from '../lib/storage/index.js';
import { craigInfo, craigName, multitrackSession } from '../test/support/multitrack-session.js';
import { wavSeconds } from '../test/support/scripted-asr.js';

const hours = Number(process.env.BENCH_HOURS ?? '4');
const root = resolve('.cache/bench');

/** Hears nothing; counts what it is handed. */
class CountingAsr implements AsrEngine {
  readonly description = 'bench stand-in (no recognition)';
  seconds = 0;
  async transcribe(wav: string, options: AsrOptions): Promise<AsrResult> {
    this.seconds += wavSeconds(await readFile(wav));
    return { language: options.language === 'auto' ? 'fr' : options.language, segments: [] };
  }
}

async function ffmpeg(args: string[]): Promise<void> {
  await new Promise<void>((ok, fail) => {
    const p = spawn('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args], { stdio: 'inherit' });
    p.on('close', (code) => (code === 0 ? ok() : fail(new Error(`ffmpeg exit ${code}`))));
  });
}

async function makeSessions(): Promise<{ craig: string; table: string }> {
  const craig = join(root, `multitrack-craig-${hours}h`);
  const table = join(root, `multitrack-table-${hours}h`);
  if (existsSync(join(craig, 'info.txt')) && existsSync(join(table, 'done'))) return { craig, table };
  const src = join(root, 'multitrack-src');
  mkdirSync(src, { recursive: true });
  for (const [kind, bleedDb] of [['craig', undefined], ['table', -20]] as const) {
    const session = await multitrackSession({ seed: 9, seconds: 600, bleedDb });
    const length = Math.round(session.duration * 16000);
    const dir = kind === 'craig' ? craig : table;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const loops = Math.ceil((hours * 3600) / session.duration);
    process.stderr.write(`generating ${kind}: 5 tracks of ${hours} h (${loops} loops of ${Math.round(session.duration)} s)…\n`);
    for (const [i, pcm] of session.tracks.entries()) {
      // Every track as long as the session, so that the loops stay in step.
      const full = new Int16Array(length);
      full.set(pcm.subarray(0, length));
      const wav = join(src, `${kind}-${i}.wav`);
      writeFileSync(wav, Buffer.concat([wavHeader(full.byteLength), Buffer.from(full.buffer)]));
      const noise = kind === 'table' ? ['-filter_complex', '[0]volume=1[s];anoisesrc=r=16000:a=0.002:c=white[n];[s][n]amix=inputs=2:duration=first:normalize=0'] : [];
      await ffmpeg(['-stream_loop', String(loops - 1), '-i', wav, ...noise, '-t', String(hours * 3600), '-ac', '1', '-c:a', 'flac', join(dir, craigName(i, session.people[i]!, 5))]);
      rmSync(wav);
    }
    if (kind === 'craig') writeFileSync(join(dir, 'info.txt'), craigInfo(session));
    else writeFileSync(join(dir, 'done'), '');
  }
  return { craig, table };
}

async function measure(dir: string, kind: string): Promise<void> {
  const asr = new CountingAsr();
  const work = join(root, `work-multitrack-${kind}`);
  rmSync(work, { recursive: true, force: true });
  const outcome = await runSession(
    {
      session: `bench-${kind}`,
      runId: 'bench',
      language: { primary: 'fr', secondary: undefined, multi: false },
      chunk: { maxSeconds: 900, overlapSeconds: 2 },
      vad: { threshold: 0.5, faintDb: DEFAULT_FAINT_DB },
      beamSize: 1,
      threads: 2,
      formats: ['json'],
      speakers: { min: undefined, max: undefined },
      mode: 'multitrack',
    },
    {
      input: new FileStore(dir),
      output: new FileStore(join(work, 'out')),
      asr,
      vad: await SileroVad.create({ parallel: 2 }),
      tools: ffmpegTools(),
      log: memoryLogger(),
      progress: silentProgress,
      workDir: join(work, 'tmp'),
    },
  );
  const seconds = (stage: string) => outcome.timings.find((t) => t.stage === stage)?.seconds ?? 0;
  const session = outcome.transcript.duration;
  const tracks = outcome.transcript.tracks!;
  const trackSeconds = tracks.reduce((n, t) => n + t.duration, 0);
  const front = seconds('decode') + seconds('vad');
  const x = (s: number) => `${(session / s).toFixed(0)}×`;
  console.log(`multitrack ${kind}: ${tracks.length} tracks of ${(session / 3600).toFixed(1)} h (${(trackSeconds / 3600).toFixed(1)} h of audio):`);
  console.log(`  decode        ${seconds('decode').toFixed(1)} s (${x(seconds('decode'))} real time of the session)`);
  console.log(`  VAD + bleed   ${seconds('vad').toFixed(1)} s (${x(seconds('vad'))})`);
  console.log(`  front half    ${front.toFixed(1)} s = ${x(front)} real time of the session`);
  const speech = tracks.reduce((n, t) => n + t.speechSeconds, 0);
  const kept = tracks.reduce((n, t) => n + t.keptSeconds, 0);
  console.log(`  speech found  ${(speech / 60).toFixed(0)} min on ${(trackSeconds / 60).toFixed(0)} min of tracks (${((100 * speech) / trackSeconds).toFixed(1)} %); kept as each track's own ${(kept / 60).toFixed(0)} min, bleed ${((speech - kept) / 60).toFixed(0)} min`);
  console.log(`  handed to ASR ${(asr.seconds / 60).toFixed(0)} min (${(asr.seconds / Math.max(1, kept)).toFixed(2)} × the kept speech)`);
  console.log(`  peak RSS      ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (target ≤ 600 MB)`);
  rmSync(work, { recursive: true, force: true });
}

if (process.argv[2] === '--measure') {
  await measure(process.argv[3]!, process.argv[4]!);
} else {
  const { craig, table } = await makeSessions();
  // Each measure in a process of its own: its peak RSS is the run's, not the generator's.
  for (const [dir, kind] of [[craig, 'craig'], [table, 'table']] as const) {
    await new Promise<void>((ok, fail) => {
      const p = spawn(process.execPath, ['--import', 'tsx', process.argv[1]!, '--measure', dir, kind], { stdio: 'inherit' });
      p.on('close', (code) => (code === 0 ? ok() : fail(new Error(`measure exit ${code}`))));
    });
  }
}
