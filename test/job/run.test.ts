/**
 * runSession's handling of speakers: the model-free embedder names the dialogue's turns, and a broken embedder
 * costs the names but not the transcript.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SpeakerEmbedder } from '../../job/engines/embedder.js';
import { SpectralEmbedder } from '../../job/engines/embedder-spectral.js';
import { ffmpegTools } from '../../job/engines/ffmpeg.js';
import { SileroVad } from '../../job/engines/silero-vad.js';
import { silentProgress } from '../../job/progress.js';
import { runSession, type RunSettings } from '../../job/run.js';
import { memoryLogger } from '../../lib/log.js';
import { FileStore } from '../../lib/storage/index.js';
import { dialogueWav, scratchDir } from '../support/fixtures.js';
import { ScriptedAsr } from '../support/scripted-asr.js';

/** A test double whose model cannot run, like an ONNX file that loads but fails at inference. */
class BrokenEmbedder implements SpeakerEmbedder {
  readonly description = 'broken test embedder';
  readonly dim = 8;
  async embed(): Promise<Float32Array> {
    throw new Error('inference failed: bad input shape');
  }
}

const settings: RunSettings = {
  session: 'dialogue',
  runId: 'r1',
  language: { primary: 'fr', secondary: 'en', multi: false },
  chunk: { maxSeconds: 900, overlapSeconds: 2 },
  vad: { threshold: 0.5 },
  beamSize: 1,
  threads: 1,
  formats: ['json', 'rttm', 'md'],
  speakers: { min: undefined, max: undefined },
};

async function runWith(embedder: SpeakerEmbedder, name: string) {
  const { wav } = await dialogueWav();
  const input = join(scratchDir(), `run-${name}`, 'in');
  mkdirSync(input, { recursive: true });
  copyFileSync(wav, join(input, 'dialogue.wav'));
  const log = memoryLogger();
  const entries = log.lines;
  const outcome = await runSession(settings, {
    input: new FileStore(input),
    output: new FileStore(join(scratchDir(), `run-${name}`, 'out')),
    asr: new ScriptedAsr(),
    vad: await SileroVad.create(),
    embedder,
    tools: ffmpegTools(),
    log,
    progress: silentProgress,
    workDir: join(scratchDir(), `run-${name}`, 'work'),
  });
  return { outcome, entries };
}

test('with the model-free embedder every segment gets a speaker, and the RTTM lists the diarization turns', async () => {
  const { outcome } = await runWith(new SpectralEmbedder(), 'spectral');
  const t = outcome.transcript;
  assert.ok(t.speakers.length >= 1);
  assert.ok(t.segments.every((s) => s.speaker), 'every segment labelled');
  assert.ok(t.turns && t.turns.length >= 2, 'diarization turns kept');
  assert.match(t.model.embedder ?? '', /model-free/);
  assert.ok(outcome.timings.some((s) => s.stage === 'speakers'));
});

test('a broken embedder costs the names, not the transcript: a warning says why', async () => {
  const { outcome, entries } = await runWith(new BrokenEmbedder(), 'broken');
  assert.ok(outcome.transcript.segments.length > 0);
  assert.deepEqual(outcome.transcript.speakers, []);
  assert.equal(outcome.transcript.turns, undefined);
  assert.ok(outcome.warnings.some((w) => /Speakers were not identified.*inference failed/.test(w)), outcome.warnings.join('\n'));
  assert.ok(entries.some((e) => e.severity === 'WARNING' && /Speakers were not identified/.test(e.message)));
  assert.ok(outcome.outputs.uris.some((u) => u.endsWith('transcript.rttm')));
});
