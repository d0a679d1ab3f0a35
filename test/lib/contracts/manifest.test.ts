import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest } from '../../../lib/contracts/manifest.js';
import { parseCompletionMessage } from '../../../lib/contracts/completion.js';
import { InputError } from '../../../lib/errors.js';

test('empty, JSON and YAML manifests', () => {
  // No mode: the job decides from the files (multitrack for a Craig recording).
  assert.equal(parseManifest('').manifest.mode, undefined);
  const json = parseManifest('{"recipients":["a@example.org"],"languages":["FR","en"],"files":[{"name":"p1.m4a","size":10}]}').manifest;
  assert.deepEqual(json.languages, ['fr', 'en']);
  assert.equal(json.files[0]?.size, 10);
  const yaml = parseManifest('mode: multitrack\nmin_speakers: 2\nmax_speakers: 5\n').manifest;
  assert.equal(yaml.mode, 'multitrack');
  assert.equal(yaml.max_speakers, 5);
  const offsets = parseManifest('files:\n  - { name: tascam.wav, offset: 1.5 }\n  - { name: zoom.m4a }\n').manifest;
  assert.deepEqual(offsets.files.map((f) => f.offset), [1.5, undefined]);
});

test('bad manifests are InputErrors that name the field', () => {
  for (const [text, field] of [
    ['recipients: [nobody]', 'recipients'],
    ['mode: stereo', 'mode'],
    ['files: [{ name: a.wav, offset: -2 }]', 'offset'],
    ['files: [{ name: a.wav, offset: 100000 }]', 'offset'],
    ['min_speakers: 4\nmax_speakers: 2', 'min_speakers'],
    ['languages: [french]', 'languages'],
    ['- a\n- b', 'list'],
    ['{bad json', 'JSON'],
  ] as const) {
    assert.throws(() => parseManifest(text), (e: unknown) => e instanceof InputError && e.message.includes(field), text);
  }
});

test('unknown manifest fields are warnings', () => {
  assert.deepEqual(parseManifest('recipient: a@b.c').warnings, ['_READY: unknown field "recipient" was ignored']);
});

test('completion messages are versioned and failures carry an error', () => {
  const base = { version: 1, session: 's', runId: 'r', status: 'succeeded', finishedAt: new Date().toISOString() };
  assert.equal(parseCompletionMessage(base).status, 'succeeded');
  assert.throws(() => parseCompletionMessage({ ...base, version: 2 }), InputError);
  assert.throws(() => parseCompletionMessage({ ...base, status: 'failed' }), /must carry an error/);
  assert.equal(parseCompletionMessage({ ...base, status: 'failed', error: { stage: 'decode', message: 'x' } }).error?.stage, 'decode');
});

test('a checksum YAML read as a number stays text', () => {
  const { manifest } = parseManifest('files:\n  - { name: a.m4a, size: 12, md5: 12345678 }\n');
  assert.equal(manifest.files[0]!.md5, '12345678');
});

test('recap: true or false for one session; anything else is refused', () => {
  assert.equal(parseManifest('recap: true').manifest.recap, true);
  assert.equal(parseManifest('{"recap": false}').manifest.recap, false);
  assert.equal(parseManifest('').manifest.recap, undefined);
  assert.throws(() => parseManifest('recap: "yes please"'), /recap: must be true or false/);
});
