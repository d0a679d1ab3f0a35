import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  displayName,
  emailedKey,
  isRunId,
  mightBeAudio,
  normaliseSessionName,
  sessionName,
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
  it('refuses names that could escape or break a path, and blank or space-padded ones', () => {
    for (const name of ['.', '..', '', ' ', '   ', ' lead', 'trail ', 'a/b', 'a$b', 'x'.repeat(101), 'tab\there', 'nl\nx']) assert.match(sessionNameProblem(name) ?? '', /not a usable session name/, JSON.stringify(name));
  });
  it('takes "Séance 12" written decomposed (as macOS tools write it) as the same session, composed', () => {
    const decomposed = 'Se\u0301ance 12';
    assert.notEqual(decomposed, 'Séance 12');
    assert.equal(sessionNameProblem(decomposed), undefined);
    assert.equal(normaliseSessionName(decomposed), 'Séance 12');
    assert.equal(sessionName(`gs://in/sessions/${decomposed}/`), 'Séance 12');
    assert.equal(sessionName('/data/sessions/2024-05-12'), '2024-05-12');
    assert.throws(() => sessionName('gs://in/sessions/a$b/'), /cannot take a session name/);
  });
  it('shows names safely: no control characters, bounded', () => {
    assert.equal(displayName('a\u0000b\r\nc'), 'a b c');
    assert.equal(displayName('x'.repeat(500)).length, 100);
  });
  it('judges what might be audio without reading it', () => {
    for (const [name, type] of [['a.3gp'], ['b.MOV'], ['recorder-0001'], ['x.data', 'audio/flac'], ['y.bin', 'video/mp4'], ['z.weird']] as Array<[string, string?]>) assert.equal(mightBeAudio(name, type), true, name);
    for (const [name, type] of [['notes.txt'], ['photo.JPG'], ['plan.pdf'], ['readme', 'text/plain'], ['.DS_Store'], ['archive.zip']] as Array<[string, string?]>) assert.equal(mightBeAudio(name, type), false, name);
  });
  it('knows run ids', () => {
    for (const id of ['20240512-203105-123456', 'g42', 'run-ok', 'a.b_c']) assert.ok(isRunId(id), id);
    for (const id of ['.', '..', '', 'a/b', 'x'.repeat(101), 'é']) assert.ok(!isRunId(id), id);
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
    assert.equal(emailedKey('s1', 'r1'), 'sessions/s1/r1/emailed.json');
    // A refused name still has a claim: under refused/, by a digest of the name, the same for the same name.
    assert.match(emailedKey('a$b', 'r1'), /^refused\/[0-9a-f]{32}\/r1\/emailed\.json$/);
    assert.equal(emailedKey('a$b', 'r1'), emailedKey('a$b', 'r1'));
    assert.notEqual(emailedKey('a$b', 'r1'), emailedKey('a#b', 'r1'));
    assert.equal(emailedKey('Se\u0301ance 12', 'r1'), 'sessions/Séance 12/r1/emailed.json');
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
