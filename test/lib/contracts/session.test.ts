import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  emailedKey,
  isAudioName,
  readyKey,
  runClaimKey,
  runIdForGeneration,
  sessionNameProblem,
  sessionOfReadyKey,
  sessionPathProblem,
} from '../../../lib/contracts/session.js';

describe('session names and paths', () => {
  it('accepts the names people give their sessions', () => {
    for (const name of ['2024-05-12', 'Séance 12', 'campagne_x.3', 'ab']) assert.equal(sessionNameProblem(name), undefined, name);
  });
  it('refuses names that could escape or break a path', () => {
    for (const name of ['.', '..', '', 'a/b', 'a$b', 'x'.repeat(101), 'tab\there']) assert.match(sessionNameProblem(name) ?? '', /not a usable session name/, name);
  });
  it('accepts relative paths and refuses the rest', () => {
    for (const p of ['a.m4a', 'context/context.yaml', 'voices/a b.wav']) assert.equal(sessionPathProblem(p), undefined, p);
    for (const p of ['../a', 'a/../../b', './a', '/etc/passwd', 'a\\b', 'a//b', 'a/', 'nul\u0000']) assert.ok(sessionPathProblem(p), p);
  });
  it('recognises audio by extension, any case', () => {
    assert.deepEqual(['a.M4A', 'b.flac', 'c.txt', 'm4a', 'd.opus'].map(isAudioName), [true, true, false, false, true]);
  });
  it('addresses markers and claims under sessions/<S>/', () => {
    assert.equal(readyKey('s1'), 'sessions/s1/_READY');
    assert.equal(runClaimKey('s1', '17'), 'sessions/s1/runs/17.json');
    assert.equal(emailedKey('s1', 'r1'), 'sessions/s1/r1/emailed');
    assert.equal(sessionOfReadyKey('sessions/Séance 12/_READY'), 'Séance 12');
    for (const key of ['sessions/s1/a.m4a', 'sessions/s1/x/_READY', 'other/s1/_READY', 'sessions//_READY']) assert.equal(sessionOfReadyKey(key), undefined, key);
  });
  it('derives a stable, sortable run id from a GCS generation (microseconds)', () => {
    assert.equal(runIdForGeneration('1715545865123456'), '20240512-203105-123456');
    assert.equal(runIdForGeneration('1715545865123456'), runIdForGeneration('1715545865123456'));
    assert.equal(runIdForGeneration('42'), 'g42');
    assert.match(runIdForGeneration('1795549699610447497'), /^g\d+$/);
  });
});
