import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpeakerName } from '../../../job/diarize/identify.js';
import { speakerSummaries } from '../../../job/diarize/summary.js';
import type { Segment } from '../../../job/transcript.js';

const seg = (start: number, end: number, speaker: string): Segment => ({ start, end, text: 'x', speaker });

test('talk time, turns and where each name came from, in order of first speech', () => {
  const names = new Map<string, SpeakerName>([
    ['SPK1', { name: 'Alice', source: 'voice-sample', confidence: 0.8, speakerId: 'a' }],
    ['SPK2', { name: 'SPK2', source: 'unmatched' }],
    ['SPK3', { name: 'Bob', source: 'override' }],
    ['SPK4', { name: 'SPK4', source: 'unmatched' }],
  ]);
  const segments = [seg(10, 12, 'Bob'), seg(0, 2, 'Alice'), seg(2, 3.5, 'Alice'), seg(4, 5, 'SPK2'), seg(6, 9, 'Alice')];
  assert.deepEqual(speakerSummaries(segments, names), [
    { name: 'Alice', cluster: 'SPK1', talkSeconds: 6.5, turns: 2, source: 'voice-sample', confidence: 0.8 },
    { name: 'SPK2', cluster: 'SPK2', talkSeconds: 1, turns: 1, source: 'unmatched' },
    { name: 'Bob', cluster: 'SPK3', talkSeconds: 2, turns: 1, source: 'override' },
    { name: 'SPK4', cluster: 'SPK4', talkSeconds: 0, turns: 0, source: 'unmatched' },
  ]);
});

test('clusters an override gave one name are one speaker', () => {
  const names = new Map<string, SpeakerName>([
    ['SPK1', { name: 'Alice', source: 'override' }],
    ['SPK2', { name: 'Alice', source: 'override' }],
  ]);
  assert.deepEqual(speakerSummaries([seg(0, 1, 'Alice'), seg(1, 2, 'Alice')], names), [{ name: 'Alice', cluster: 'SPK1+SPK2', talkSeconds: 2, turns: 1, source: 'override' }]);
});
