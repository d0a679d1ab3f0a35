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
