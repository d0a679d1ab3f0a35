import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTxt } from '../../../job/writers/txt.js';
import { sampleTranscript } from './fixture.js';

describe('renderTxt', () => {
  it('writes one line per turn, with the speaker when known', () => {
    const lines = renderTxt(sampleTranscript()).trimEnd().split('\n');
    assert.equal(lines[0], "[00:00:01] Alice: Bonjour à tous, on reprend là où on s'était arrêtés. Le dragon se réveille.");
    assert.equal(lines[1], '[00:00:06] Bob Le Barde: I cast fireball at the goblins!');
    assert.ok(lines.includes('[00:00:45] Euh… attendez, quoi ?'));
    assert.equal(lines.at(-1), '[01:02:05] Alice: On fait une pause ? Il est tard.');
    for (const line of lines) assert.match(line, /^\[\d{2}:\d{2}:\d{2}\] /);
  });

  it('breaks an unlabelled monologue at pauses so timestamps stay frequent', () => {
    const t = sampleTranscript();
    const segments = Array.from({ length: 40 }, (_, i) => ({ start: i * 5, end: i * 5 + 4.8, text: `Phrase ${i}.` }));
    const lines = renderTxt({ ...t, segments }).trimEnd().split('\n');
    assert.ok(lines.length >= 4, `${lines.length} lines for 200 s`);
  });
});
