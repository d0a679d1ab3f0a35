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

test('RECAP: off unless asked; each backend names what it needs, every problem at once', () => {
  const base = { INPUT_PREFIX: 'sessions/s1' };
  const off = parseJobConfig(base).recap;
  assert.equal(off.backend, 'off');
  assert.deepEqual(off.retry, { attempts: 3, delayMs: 2000 });
  const vertex = parseJobConfig({ ...base, RECAP: 'Vertex', RECAP_PROJECT: 'my-project-1' }).recap;
  assert.deepEqual(
    { backend: vertex.backend, model: vertex.model, location: vertex.location, project: vertex.project, window: vertex.contextTokens, url: vertex.url },
    { backend: 'vertex', model: 'gemini-3.5-flash', location: 'europe-west1', project: 'my-project-1', window: 1_048_576, url: undefined },
  );
  const local = parseJobConfig({ ...base, RECAP: 'openai', RECAP_URL: 'http://127.0.0.1:11434/v1', RECAP_MODEL: 'llama3.1:8b', RECAP_CONTEXT_TOKENS: '32768', RECAP_RETRY_DELAY_MS: '1' }).recap;
  assert.deepEqual({ model: local.model, url: local.url, window: local.contextTokens, retry: local.retry }, { model: 'llama3.1:8b', url: 'http://127.0.0.1:11434/v1', window: 32768, retry: { attempts: 3, delayMs: 1 } });
  assert.equal(parseJobConfig({ ...base, RECAP: 'openai', RECAP_URL: 'http://h/v1', RECAP_MODEL: 'm' }).recap.contextTokens, 8192);

  const err = catchConfig(() => parseJobConfig({ ...base, RECAP: 'openai' }));
  assert.match(err.message, /RECAP_URL: is required with RECAP openai/);
  assert.match(err.message, /RECAP_MODEL: is required with RECAP openai/);
  assert.match(catchConfig(() => parseJobConfig({ ...base, RECAP: 'vertex' })).message, /RECAP_PROJECT: is required with RECAP vertex/);
  const bad = catchConfig(() => parseJobConfig({ ...base, RECAP: 'claude', RECAP_URL: 'ftp://x', RECAP_LOCATION: 'Europe West', RECAP_CONTEXT_TOKENS: '10' }));
  for (const says of [/RECAP: must be off, vertex or openai/, /RECAP_URL: must be an http/, /RECAP_LOCATION: must be a Vertex AI location/, /RECAP_CONTEXT_TOKENS: must be at least 2048/]) assert.match(bad.message, says);
  assert.match(catchConfig(() => parseJobConfig({ ...base, RECAP: 'openai', RECAP_MODEL: 'm', RECAP_URL: 'http://user:pw@h/v1' })).message, /RECAP_URL: must be an http:\/\/ or https:\/\/ URL without credentials/);
});

test('the recap flags map onto the same variables and messages name the flag', async () => {
  const { parseCli } = await import('../../../cli/options.js');
  const run = parseCli(['run', 'sessions/s1', '--recap', 'openai', '--recap-url', 'http://127.0.0.1:11434/v1', '--recap-model', 'qwen2.5:14b', '--recap-context-tokens', '16384'], {});
  assert.ok(run.command === 'run');
  assert.deepEqual([run.config.recap.backend, run.config.recap.url, run.config.recap.model, run.config.recap.contextTokens], ['openai', 'http://127.0.0.1:11434/v1', 'qwen2.5:14b', 16384]);
  const vertex = parseCli(['run', 'sessions/s1', '--recap', 'vertex', '--recap-project', 'my-project-1', '--recap-location', 'global'], {});
  assert.ok(vertex.command === 'run');
  assert.deepEqual([vertex.config.recap.backend, vertex.config.recap.project, vertex.config.recap.location], ['vertex', 'my-project-1', 'global']);
  assert.throws(() => parseCli(['run', 'sessions/s1', '--recap', 'openai'], {}), /--recap-url \(RECAP_URL\): is required with --recap \(RECAP\) openai/);
});
