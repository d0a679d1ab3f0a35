import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JSON_VERSION, renderJson, type TranscriptJson } from '../../../job/writers/json.js';
import { sampleTranscript } from './fixture.js';

describe('renderJson', () => {
  const t = sampleTranscript();
  const parsed = JSON.parse(renderJson(t)) as TranscriptJson;

  it('round-trips through JSON.parse with WhisperX keys first-class', () => {
    assert.equal(parsed.version, JSON_VERSION);
    assert.equal(parsed.language, 'fr');
    assert.equal(parsed.session, t.session);
    assert.equal(parsed.segments.length, t.segments.length);
    const first = parsed.segments[0]!;
    assert.deepEqual(Object.keys(first).sort(), ['avg_logprob', 'end', 'lang', 'speaker', 'start', 'text', 'words']);
    assert.deepEqual(Object.keys(first.words![0]!).sort(), ['end', 'score', 'speaker', 'start', 'word']);
    assert.equal(first.text, "Bonjour à tous, on reprend là où on s'était arrêtés.");
    assert.equal(parsed.segments[2]!.lang, 'en');
  });

  it('lists every word in word_segments, in order', () => {
    const words = t.segments.flatMap((s) => s.words ?? []);
    assert.equal(parsed.word_segments.length, words.length);
    assert.deepEqual(
      parsed.word_segments.map((w) => w.word),
      words.map((w) => w.text),
    );
    for (let i = 1; i < parsed.word_segments.length; i++) assert.ok(parsed.word_segments[i]!.start >= parsed.word_segments[i - 1]!.start);
  });

  it('leaves optional keys out instead of writing null', () => {
    const unlabelled = parsed.segments[5]!;
    assert.equal('speaker' in unlabelled, false);
    assert.equal('words' in unlabelled, false);
    assert.ok(!renderJson(t).includes('null'));
  });

  it('rounds times to the millisecond and carries speakers, sources and models', () => {
    const json = renderJson({ ...t, duration: 12.3456789, segments: [{ start: 1.23456, end: 2.0004, text: 'x' }] });
    const p = JSON.parse(json) as TranscriptJson;
    assert.equal(p.duration, 12.346);
    assert.deepEqual([p.segments[0]!.start, p.segments[0]!.end], [1.235, 2]);
    assert.deepEqual(parsed.speakers[0], { name: 'Alice', cluster: 'SPK1', talk_time: 17.1, turns: 6, confidence: 0.823, source: 'voice-sample' });
    assert.deepEqual(parsed.speakers[1], { name: 'Bob Le Barde', cluster: 'SPK2', talk_time: 30.4, turns: 2, source: 'override' });
    assert.deepEqual(parsed.sources[1], { name: 'partie 2.mp3', offset: 1800.25, duration: 1930.25, format: 'mp3' });
    assert.deepEqual(parsed.model, t.model);
  });
});
