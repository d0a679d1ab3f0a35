/**
 * The command line in-process, with the engines a test can score: the speech-islands ASR double puts one line per
 * stretch of speech, so the name on every line of transcript.json can be checked against who really spoke. The
 * rest is real: flags, configuration, Silero VAD, the model-free embedder, the writers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../cli/main.js';
import { SpectralEmbedder } from '../../job/engines/embedder-spectral.js';
import { SileroVad } from '../../job/engines/silero-vad.js';
import { segmentNameAccuracy } from '../support/der.js';
import { writeDemoSession } from '../support/demo-session.js';
import { scratchDir } from '../support/fixtures.js';
import { SpeechIslandsAsr } from '../support/scripted-asr.js';

function sink(): Writable & { text: string } {
  const out = Object.assign(new Writable({ write: (chunk, _enc, done) => ((out.text += String(chunk)), done()) }), { text: '' });
  return out;
}

test('jdr-transcriber run: the right name on every line of transcript.json', async () => {
  const demo = await writeDemoSession(join(scratchDir(), 'cli-names'));
  const out = join(scratchDir(), 'cli-names-out');
  const asr = new SpeechIslandsAsr();
  const stderr = sink();
  const code = await main(['run', demo.dir, '--out', out, '--json', '--lang', 'fr', '--secondary-lang', 'en', '--multilang', '--beam-size', '2'], { PATH: process.env.PATH }, {
    engines: async () => ({ asr, vad: await SileroVad.create(), embedder: new SpectralEmbedder() }),
    stderr,
    stdout: sink(),
    handleSignals: false,
  });
  assert.equal(code, 0, stderr.text);
  // The flags reached the engine.
  assert.equal(asr.calls[0]!.options.language, 'auto');
  assert.deepEqual(asr.calls[0]!.options.allowedLanguages, ['fr', 'en']);
  assert.equal(asr.calls[0]!.options.beamSize, 2);
  const json = JSON.parse(readFileSync(join(out, 'transcript.json'), 'utf8')) as { segments: Array<{ start: number; end: number; speaker?: string }> };
  const truth = demo.truth.map((t) => ({ start: t.start, end: t.end, speaker: t.speaker === 'Sam' ? 'SPK4' : t.speaker! }));
  const accuracy = segmentNameAccuracy(truth, json.segments);
  assert.ok(accuracy >= 0.9, `right name on ${(accuracy * 100).toFixed(1)} % of speech`);
  assert.deepEqual([...new Set(json.segments.map((s) => s.speaker))].sort(), ['Camille', 'Hugo', 'Léa', 'SPK4']);
});
