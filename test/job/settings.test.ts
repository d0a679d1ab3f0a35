import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJobConfig } from '../../lib/config/job.js';
import { parseCli } from '../../cli/options.js';
import { runSettings } from '../../job/settings.js';

test('the mode and the track offsets reach the run, from the environment and from the command line alike', () => {
  const fromEnv = runSettings(parseJobConfig({ INPUT_PREFIX: 'sessions/s', MODE: 'multitrack', TRACK_OFFSETS: '{"tascam.wav":1.5}' }), 's', 'r');
  assert.equal(fromEnv.mode, 'multitrack');
  assert.deepEqual(fromEnv.trackOffsets, { 'tascam.wav': 1.5 });
  const cli = parseCli(['run', 'sessions/s', '--mode', 'mixed', '--track-offsets', 'tascam.wav=2'], {});
  assert.ok(cli.command === 'run');
  const fromFlags = runSettings(cli.config, cli.session, 'r');
  assert.equal(fromFlags.mode, 'mixed');
  assert.deepEqual(fromFlags.trackOffsets, { 'tascam.wav': 2 });
  assert.equal(runSettings(parseJobConfig({ INPUT_PREFIX: 'sessions/s' }), 's', 'r').mode, 'auto');
});

test("the recap's window and patience reach the run when a recap is asked for", () => {
  const on = runSettings(parseJobConfig({ INPUT_PREFIX: 'sessions/s', RECAP: 'openai', RECAP_URL: 'http://127.0.0.1:8080/v1', RECAP_MODEL: 'm', RECAP_CONTEXT_TOKENS: '16384', RECAP_RETRIES: '5', RECAP_RETRY_DELAY_MS: '10' }), 's', 'r');
  assert.deepEqual(on.recap, { contextTokens: 16384, retry: { attempts: 5, delayMs: 10 } });
  assert.equal(runSettings(parseJobConfig({ INPUT_PREFIX: 'sessions/s' }), 's', 'r').recap, undefined);
});

test('the margin for faint speech reaches the run from the environment and the command line; 25 dB unless set; bounded', () => {
  assert.deepEqual(runSettings(parseJobConfig({ INPUT_PREFIX: 'sessions/s' }), 's', 'r').vad, { threshold: 0.5, faintDb: 25 });
  assert.equal(runSettings(parseJobConfig({ INPUT_PREFIX: 'sessions/s', VAD_FAINT_DB: '40' }), 's', 'r').vad.faintDb, 40);
  const cli = parseCli(['run', 'sessions/s', '--vad-faint-db', '35'], {});
  assert.ok(cli.command === 'run');
  assert.equal(runSettings(cli.config, cli.session, 'r').vad.faintDb, 35);
  assert.throws(() => parseJobConfig({ INPUT_PREFIX: 'sessions/s', VAD_FAINT_DB: '5' }), /VAD_FAINT_DB.*at least 10/s);
});
