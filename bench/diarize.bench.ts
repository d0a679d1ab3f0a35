/**
 * Diarization throughput and peak memory on a generated session of H hours (default 1; BENCH_HOURS=4 for the long
 * case) with the model-free embedder: four espeak voices, French and English lines, pauses of 0.3–1.5 s, each
 * line said with its own speed and pitch. The speech regions are the ground truth (the VAD
 * has its own bench), so the figure is windows → embeddings → clustering → turns. Prints × real time, peak RSS and,
 * since the truth is known, the DER. Target: ≥ 50× real time on 2 cores.
 *
 * The session is written once to .cache/bench/ by a child process, so the audio it builds in memory does not count
 * in this process's peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PcmFile } from '../job/audio/pcm.js';
import { SpectralEmbedder } from '../job/engines/embedder-spectral.js';
import { diarize } from '../job/diarize/diarize.js';
import { diarizationErrorRate, type LabelledTurn } from '../test/support/der.js';
import { rpgSession } from '../test/support/rpg-session.js';

const hours = Number(process.env.BENCH_HOURS ?? '1');
const root = resolve('.cache/bench');
const pcmPath = join(root, `diarize-${hours}h-varied.pcm`);
const truthPath = join(root, `diarize-${hours}h-varied.truth.json`);
const say = (line: string) => process.stdout.write(line + '\n');

/**
 * A generated role-play of `hours`, every line said a little differently (rpgSession's `vary`): a session built by
 * repeating the same few minutes of audio would hold exact copies of each utterance, which no recording does and
 * which fool the clustering's measure of how much one voice varies.
 */
async function generate(): Promise<void> {
  mkdirSync(root, { recursive: true });
  const session = await rpgSession({ seed: 11, seconds: hours * 3600, vary: true });
  writeFileSync(pcmPath + '.part', Buffer.from(session.pcm.buffer, session.pcm.byteOffset, session.pcm.byteLength));
  writeFileSync(truthPath, JSON.stringify(session.truth.map(({ start, end, speaker }) => ({ start, end, speaker }))));
  renameSync(pcmPath + '.part', pcmPath);
}
if (process.env.BENCH_GENERATE) {
  await generate();
  process.exit(0);
}
if (!existsSync(pcmPath) || !existsSync(truthPath)) {
  say(`generating a ${hours} h session into ${pcmPath} (once)…`);
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], { env: { ...process.env, BENCH_GENERATE: '1' }, stdio: 'inherit' });
  if (child.status !== 0) throw new Error(`generating the session failed (exit ${child.status})`);
}

const truth: LabelledTurn[] = JSON.parse(readFileSync(truthPath, 'utf8'));
const regions = truth.map((t, i) => ({
  start: Math.max(i > 0 ? (truth[i - 1]!.end + t.start) / 2 : 0, t.start - 0.1),
  end: Math.min(i + 1 < truth.length ? (t.end + truth[i + 1]!.start) / 2 : Infinity, t.end + 0.1),
}));
const pcm = await PcmFile.open(pcmPath);
const embedder = new SpectralEmbedder();
const rssBefore = process.resourceUsage().maxRSS / 1024;
const t0 = performance.now();
const result = await diarize(pcm, regions, embedder);
const wall = (performance.now() - t0) / 1000;
const peak = process.resourceUsage().maxRSS / 1024;
await pcm.close();
const { der } = diarizationErrorRate(truth, result.turns);
const speech = regions.reduce((s, r) => s + r.end - r.start, 0);

say(`diarization, ${hours} h session (${Math.round(speech)} s of speech in ${regions.length} regions), ${embedder.description}`);
say(`  cores: ${availableParallelism()} (load average ${loadavg()[0]!.toFixed(1)} at the end; the work runs on one thread)`);
say(`  windows: ${result.windows}, clusters: ${result.clusters.length} (truth: ${new Set(truth.map((t) => t.speaker)).size}), DER ${(der * 100).toFixed(1)} %`);
say(`  wall: ${wall.toFixed(1)} s → ${(pcm.duration / wall).toFixed(0)}× real time (target ≥ 50×)`);
say(`  peak RSS: ${Math.round(peak)} MB (${Math.round(rssBefore)} MB before diarizing)`);
