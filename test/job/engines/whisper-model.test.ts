import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../../lib/errors.js';
import { modelFileNames, resolveWhisperBinary, resolveWhisperModel } from '../../../job/engines/whisper-model.js';
import { ggmlHeader, LARGE_V3_TURBO_DIMS, TINY_DIMS } from '../../support/ggml-model.js';
import { scratchDir } from '../../support/fixtures.js';

/** A folder holding the given files; `header` files get a whisper ggml header (all the check reads). */
function folder(files: Record<string, 'header' | Buffer>): string {
  const dir = mkdtempSync(join(scratchDir(), 'models-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content === 'header' ? ggmlHeader(TINY_DIMS) : content);
  }
  return dir;
}

function configError(fn: () => unknown, ...expected: RegExp[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    for (const re of expected) assert.match(err.message, re);
    return true;
  });
}

test('model sizes map to the ggml file names `make model` downloads', () => {
  const table: Array<[string, string[]]> = [
    ['large-v3-turbo', ['ggml-large-v3-turbo-q8_0.bin', 'ggml-large-v3-turbo.bin']],
    ['large-v3', ['ggml-large-v3-q5_0.bin', 'ggml-large-v3.bin']],
    ['medium', ['ggml-medium.bin']],
    ['small', ['ggml-small.bin']],
    ['base.en', ['ggml-base.en.bin']],
    ['tiny', ['ggml-tiny.bin']],
    ['large-v3-turbo-q5_0', ['ggml-large-v3-turbo-q5_0.bin']],
    ['ggml-small-q8_0.bin', ['ggml-small-q8_0.bin']],
  ];
  for (const [size, names] of table) assert.deepEqual(modelFileNames(size), names, size);
});

test('resolution: explicit path wins, then folder + size, best quantisation first', () => {
  const dir = folder({ 'ggml-large-v3-turbo-q8_0.bin': 'header', 'ggml-large-v3-turbo.bin': 'header', 'ggml-large-v3.bin': 'header', 'ggml-medium.bin': 'header', 'mine/custom.bin': 'header' });
  const cases: Array<{ name: string; settings: { path?: string; dir: string; size: string }; cwd?: string; expect: string }> = [
    { name: 'default size', settings: { dir, size: 'large-v3-turbo' }, expect: join(dir, 'ggml-large-v3-turbo-q8_0.bin') },
    { name: 'unquantised fallback', settings: { dir, size: 'large-v3' }, expect: join(dir, 'ggml-large-v3.bin') },
    { name: 'plain name', settings: { dir, size: 'medium' }, expect: join(dir, 'ggml-medium.bin') },
    { name: 'file name as size', settings: { dir, size: 'ggml-medium.bin' }, expect: join(dir, 'ggml-medium.bin') },
    { name: 'explicit path wins', settings: { path: join(dir, 'mine/custom.bin'), dir, size: 'medium' }, expect: join(dir, 'mine/custom.bin') },
    { name: 'relative path from cwd', settings: { path: 'mine/custom.bin', dir: '/nonexistent', size: 'medium' }, cwd: dir, expect: join(dir, 'mine/custom.bin') },
    { name: 'relative folder from cwd', settings: { dir: '.', size: 'medium' }, cwd: dir, expect: join(dir, 'ggml-medium.bin') },
  ];
  for (const c of cases) assert.equal(resolveWhisperModel(c.settings, c.cwd), c.expect, c.name);
});

test('a missing model says how to provide one', () => {
  const dir = folder({});
  const hints = [/--model PATH/, /WHISPER_MODEL_PATH/, /WHISPER_MODEL_DIR/, /make model MODEL=large-v3-turbo/];
  configError(() => resolveWhisperModel({ dir, size: 'large-v3-turbo' }), /ggml-large-v3-turbo-q8_0\.bin or .*ggml-large-v3-turbo\.bin/, ...hints);
  configError(() => resolveWhisperModel({ path: join(dir, 'nope.bin'), dir, size: 'large-v3-turbo' }), /nope\.bin: no such file/, ...hints);
  configError(() => resolveWhisperModel({ dir, size: 'small' }), /ggml-small\.bin/, /make model MODEL=small/);
});

test('files that are not whisper ggml models are refused with the reason', () => {
  const silero = Buffer.concat([ggmlHeader(TINY_DIMS).subarray(0, 4), Buffer.from([10, 0, 0, 0]), Buffer.from('silero-16k'), Buffer.alloc(40)]);
  const noWhisper = ggmlHeader({ ...TINY_DIMS, nVocab: 32000 });
  const dir = folder({
    'model.pt': Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(60)]),
    'model.onnx': Buffer.concat([Buffer.from([0x08, 0x07, 0x12, 0x07]), Buffer.alloc(60)]),
    'model.gguf': Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(60)]),
    'silero.bin': silero,
    'llama.bin': noWhisper,
    'empty.bin': Buffer.alloc(0),
    'text.bin': Buffer.from('hello, this is not a model at all, just some text'),
    'turbo.bin': ggmlHeader(LARGE_V3_TURBO_DIMS),
  });
  const table: Array<[string, RegExp]> = [
    ['model.pt', /PyTorch checkpoint/],
    ['model.onnx', /ONNX/],
    ['model.gguf', /GGUF/],
    ['silero.bin', /Silero VAD/],
    ['llama.bin', /not a whisper model \(n_vocab 32000/],
    ['empty.bin', /too short/],
    ['text.bin', /does not start with the ggml magic/],
    ['.', /is a folder/],
  ];
  for (const [name, why] of table) configError(() => resolveWhisperModel({ path: join(dir, name), dir, size: 'x' }), why, /ggml whisper model/);
  assert.equal(resolveWhisperModel({ path: join(dir, 'turbo.bin'), dir, size: 'x' }), join(dir, 'turbo.bin'));
});

test('whisper-cli: WHISPER_CLI, else vendor/, else PATH, else a hint to build it', () => {
  const exe = (dir: string, name: string) => {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), '#!/bin/sh\n');
    chmodSync(join(dir, name), 0o755);
    return join(dir, name);
  };
  const root = folder({});
  const bare = folder({});
  const pathDir = folder({});
  const vendored = exe(root, 'vendor/whisper.cpp/bin/whisper-cli');
  const onPath = exe(pathDir, 'whisper-cli');
  const custom = exe(pathDir, 'custom-cli');
  writeFileSync(join(bare, 'not-executable'), '');

  assert.equal(resolveWhisperBinary({ WHISPER_CLI: custom, PATH: pathDir }, root), custom);
  assert.equal(resolveWhisperBinary({ PATH: pathDir }, root), vendored);
  assert.equal(resolveWhisperBinary({ PATH: `/nonexistent:${pathDir}` }, bare), onPath);
  configError(() => resolveWhisperBinary({ PATH: '/nonexistent' }, bare), /make install/, /scripts\/build-whisper\.sh/);
  configError(() => resolveWhisperBinary({ WHISPER_CLI: join(bare, 'not-executable') }, root), /WHISPER_CLI=.*not an executable/, /make install/);
});
