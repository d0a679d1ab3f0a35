/**
 * Decode + VAD + chunk throughput and peak memory on a generated session of H hours (default 1; BENCH_HOURS=4 for
 * the long case). The session is espeak-ng speech with pauses, encoded as one m4a file, the way a recorder writes it.
 * Prints × real time and peak RSS. Targets: ≥ 100× real time on 2 cores, peak RSS ≤ 600 MB even for 4 hours.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { FileStore } from '../lib/storage/file.js';
import { PcmFile } from '../job/audio/pcm.js';
import { ffmpegTools } from '../job/engines/ffmpeg.js';
import { SileroVad } from '../job/engines/silero-vad.js';
import { DEFAULT_VAD_OPTIONS } from '../job/engines/vad.js';
import { fetchSession } from '../job/stages/fetch.js';
import { decodeSession } from '../job/stages/decode.js';
import { speechRegions, speechSeconds } from '../job/stages/vad.js';
import { chunkCountFor, planBalancedChunks } from '../job/stages/chunk.js';
import { dialogueWav } from '../test/support/fixtures.js';

const hours = Number(process.env.BENCH_HOURS ?? '1');
const root = resolve('.cache/bench');
const sessionDir = join(root, `session-${hours}h`);
const audio = join(sessionDir, 'recording.m4a');

async function makeSession(): Promise<void> {
  if (existsSync(audio)) return;
  mkdirSync(sessionDir, { recursive: true });
  const { wav, pcm } = await dialogueWav();
  const loops = Math.ceil((hours * 3600) / (pcm.length / 16000));
  process.stderr.write(`generating ${hours} h of speech (${loops} loops of the test dialogue) into ${audio}…\n`);
  // ffmpeg loops the dialogue itself: nothing of the session is ever in this process's memory.
  await new Promise<void>((ok, fail) => {
    const p = spawn('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-stream_loop', String(loops - 1), '-i', wav, '-t', String(hours * 3600), '-ar', '44100', '-ac', '2', '-c:a', 'aac', '-b:a', '96k', audio], { stdio: 'inherit' });
    p.on('close', (code) => (code === 0 ? ok() : fail(new Error(`ffmpeg exit ${code}`))));
  });
}

await makeSession();
const work = join(root, `work-${hours}h`);
mkdirSync(work, { recursive: true });
const tools = ffmpegTools();
const t0 = performance.now();
const { files } = await fetchSession(new FileStore(sessionDir), work, tools);
const t1 = performance.now();
const { samples } = await decodeSession(files, join(work, 'session.pcm'), tools);
const t2 = performance.now();
const pcm = await PcmFile.open(join(work, 'session.pcm'));
const vad = await SileroVad.create({ parallel: 2 });
const probs = await vad.probabilities(pcm);
const regions = speechRegions(probs, vad.frameSeconds, DEFAULT_VAD_OPTIONS);
const t3 = performance.now();
const chunks = planBalancedChunks(pcm.duration, regions, { count: chunkCountFor(pcm.duration, 900, 900), overlapSeconds: 2 });
const t4 = performance.now();
await pcm.close();

const audioSeconds = samples / 16000;
const wall = (t4 - t0) / 1000;
const rssMb = process.resourceUsage().maxRSS / 1024;
const x = (s: number) => `${(audioSeconds / s).toFixed(0)}×`;
console.log(`front half (fetch + decode + VAD + chunk) on ${hours} h of m4a (${(statSync(audio).size / 1e6).toFixed(0)} MB):`);
console.log(`  fetch   ${((t1 - t0) / 1000).toFixed(1)} s`);
console.log(`  decode  ${((t2 - t1) / 1000).toFixed(1)} s  (${x((t2 - t1) / 1000)} real time)`);
console.log(`  VAD     ${((t3 - t2) / 1000).toFixed(1)} s  (${x((t3 - t2) / 1000)} real time; ${regions.length} regions, ${(speechSeconds(regions) / 60).toFixed(0)} min of speech)`);
console.log(`  chunk   ${((t4 - t3) / 1000).toFixed(3)} s  (${chunks.length} chunks, ${chunks.filter((c) => c.cutInSilence).length} cuts in silence)`);
console.log(`  total   ${wall.toFixed(1)} s = ${x(wall)} real time (target ≥ 100×)`);
console.log(`  peak RSS of this process ${rssMb.toFixed(0)} MB (target ≤ 600 MB)`);
