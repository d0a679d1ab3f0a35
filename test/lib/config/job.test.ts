import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJobConfig } from '../../../lib/config/job.js';
import { ConfigError } from '../../../lib/errors.js';

test('defaults apply when only the input is given', () => {
  const c = parseJobConfig({ INPUT_PREFIX: 'gs://in/sessions/s1/' });
  assert.equal(c.input, 'gs://in/sessions/s1/');
  assert.equal(c.language.primary, 'fr');
  assert.equal(c.language.multi, false);
  assert.equal(c.chunk.maxSeconds, 900);
  assert.equal(c.chunk.overlapSeconds, 2);
  assert.equal(c.model.size, 'large-v3-turbo');
  assert.equal(c.beamSize, 5);
  assert.ok(c.threads >= 1);
  assert.deepEqual(c.formats, ['md', 'txt', 'srt', 'vtt', 'json', 'rttm', 'html']);
  assert.equal(c.pageLang, 'fr');
});

test('the page language is the emails\' (EMAIL_LANG), fr or en', () => {
  assert.equal(parseJobConfig({ INPUT_PREFIX: 'in', EMAIL_LANG: 'EN' }).pageLang, 'en');
  assert.throws(() => parseJobConfig({ INPUT_PREFIX: 'in', EMAIL_LANG: 'de' }), /EMAIL_LANG: must be fr or en/);
});

test('every missing or invalid variable is reported in one error', () => {
  const err = catchConfig(() =>
    parseJobConfig(
      { MAX_CHUNK_MINUTES: 'lots', CHUNK_OVERLAP_MS: '-5', MULTILANG: 'maybe', PRIMARY_LANG: 'french', EMAIL_TO: 'not-an-email', VAD_FRAME_MS: '20' },
      { requireOutputBucket: true },
    ),
  );
  for (const v of ['INPUT_PREFIX', 'OUTPUT_BUCKET', 'MAX_CHUNK_MINUTES', 'CHUNK_OVERLAP_MS', 'MULTILANG', 'PRIMARY_LANG', 'EMAIL_TO', 'VAD_FRAME_MS']) {
    assert.match(err.message, new RegExp(v), `message names ${v}`);
  }
  assert.match(err.message, /INPUT_PREFIX: is required/);
  assert.match(err.message, /OUTPUT_BUCKET: is required/);
});

test('cloud outputs combine OUTPUT_BUCKET and OUTPUT_PREFIX; empty strings count as unset', () => {
  const c = parseJobConfig({ INPUT_PREFIX: 'gs://in/sessions/s1/', OUTPUT_BUCKET: 'out-bucket', OUTPUT_PREFIX: '/sessions/s1', SECONDARY_LANG: '', MULTILANG: 'true' });
  assert.equal(c.output, 'gs://out-bucket/sessions/s1');
  assert.equal(c.language.secondary, undefined);
  assert.equal(c.language.multi, true);
});

test('cross-field checks: speaker hints and overlap', () => {
  const err = catchConfig(() => parseJobConfig({ INPUT_PREFIX: 'x', MIN_SPEAKERS: '5', MAX_SPEAKERS: '3', MAX_CHUNK_MINUTES: '1', CHUNK_OVERLAP_MS: '30000' }));
  assert.match(err.message, /MIN_SPEAKERS: must not exceed MAX_SPEAKERS/);
  assert.match(err.message, /CHUNK_OVERLAP_MS: must be shorter than half a chunk/);
});

test('paths with .. are refused', () => {
  assert.match(catchConfig(() => parseJobConfig({ INPUT_PREFIX: 'gs://b/sessions/../secret' })).message, /INPUT_PREFIX: must not contain/);
});

test('the seed VAD frame of 30 ms is accepted as Silero 32 ms', () => {
  assert.equal(parseJobConfig({ INPUT_PREFIX: 'x', VAD_FRAME_MS: '30' }).vad.frameMs, 32);
});

function catchConfig(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('MODE and TRACK_OFFSETS: the mode is auto unless set; offsets as JSON or name=seconds pairs, bounded', () => {
  const base = { INPUT_PREFIX: 'sessions/s1' };
  assert.equal(parseJobConfig(base).mode, 'auto');
  assert.deepEqual(parseJobConfig(base).trackOffsets, {});
  assert.equal(parseJobConfig({ ...base, MODE: 'Multitrack' }).mode, 'multitrack');
  assert.deepEqual(parseJobConfig({ ...base, TRACK_OFFSETS: '{"tascam.wav":1.5,"zoom.m4a":0}' }).trackOffsets, { 'tascam.wav': 1.5, 'zoom.m4a': 0 });
  assert.deepEqual(parseJobConfig({ ...base, TRACK_OFFSETS: 'tascam.wav=1.5, a=b.wav=2' }).trackOffsets, { 'tascam.wav': 1.5, 'a=b.wav': 2 });
  for (const [value, says] of [
    ['tascam.wav=-1', 'tascam.wav: the offset must be a number of seconds from 0 to 86400'],
    ['tascam.wav', 'tascam.wav: the offset must be'],
    ['{"a.wav": "soon"}', 'a.wav: the offset must be'],
    ['{"a.wav": 1', 'must be a JSON object'],
    [JSON.stringify(Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`f${i}.wav`, 1]))), 'at most 2000 files (found 2001)'],
  ] as const) {
    assert.throws(() => parseJobConfig({ ...base, TRACK_OFFSETS: value }), (e: unknown) => e instanceof Error && e.message.includes('TRACK_OFFSETS') && e.message.includes(says), value);
  }
  assert.throws(() => parseJobConfig({ ...base, MODE: 'stereo' }), /MODE: must be auto, mixed or multitrack/);
});
