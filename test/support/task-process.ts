/**
 * One Cloud Run task as a process of its own, for the parallel cloud-flow tests: job/main.ts as the image runs it,
 * configured by the environment (CLOUD_RUN_TASK_INDEX, CLOUD_RUN_TASK_COUNT, CLOUD_RUN_TASK_ATTEMPT…), with the
 * test engines: real Silero VAD, the model-free embedder, and the speech-islands ASR double. What the tests need to
 * see or to break:
 *   TEST_CALLS_LOG   a file: one line per ASR call, "<task> <attempt> <chunk>", appended before the call
 *   TEST_ASR_DELAY_MS  each ASR call takes at least this long (so that one task cannot do all the work alone)
 *   TEST_HANG        asr: the ASR call on chunk TEST_HANG_CHUNK never returns, in whichever task claimed it; vad: the
 *                    speech detection never returns (only the planner runs it); so that the test can kill the task
 *                    there. TEST_HANG_MARKER is written then, naming the task.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { main } from '../../job/main.js';
import type { AsrEngine, AsrOptions, AsrResult } from '../../job/engines/asr.js';
import { SileroVad, type VadEngine } from '../../job/engines/silero-vad.js';
import { SpectralEmbedder } from '../../job/engines/embedder-spectral.js';
import { SpeechIslandsAsr } from './scripted-asr.js';

const env = process.env;
const task = `${env.CLOUD_RUN_TASK_INDEX ?? '0'} ${env.CLOUD_RUN_TASK_ATTEMPT ?? '0'}`;

function hang(): Promise<never> {
  writeFileSync(env.TEST_HANG_MARKER!, task);
  return new Promise(() => setInterval(() => undefined, 60_000));
}

class LoggedAsr implements AsrEngine {
  readonly description: string;
  constructor(private readonly inner: AsrEngine) {
    this.description = inner.description;
  }
  async transcribe(wavPath: string, options: AsrOptions): Promise<AsrResult> {
    if (env.TEST_CALLS_LOG) appendFileSync(env.TEST_CALLS_LOG, `${task} ${basename(wavPath, '.wav')}\n`);
    if (env.TEST_HANG === 'asr' && basename(wavPath, '.wav') === env.TEST_HANG_CHUNK) return hang();
    if (env.TEST_ASR_DELAY_MS) await new Promise((r) => setTimeout(r, Number(env.TEST_ASR_DELAY_MS)));
    return this.inner.transcribe(wavPath, options);
  }
}

function hangingVad(inner: VadEngine): VadEngine {
  return { description: inner.description, frameSeconds: inner.frameSeconds, probabilities: () => hang() };
}

const code = await main(env, {
  engines: async () => {
    const vad = await SileroVad.create();
    return { asr: new LoggedAsr(new SpeechIslandsAsr()), vad: env.TEST_HANG === 'vad' ? hangingVad(vad) : vad, embedder: new SpectralEmbedder() };
  },
  statusIntervalMs: 200,
});
process.exit(code);
