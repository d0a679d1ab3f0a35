import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeMarkdown, renderMarkdown } from '../../../job/writers/md.js';
import { sampleTranscript } from './fixture.js';

describe('renderMarkdown', () => {
  const t = sampleTranscript();
  const md = renderMarkdown(t, { createdAt: new Date('2024-05-03T21:05:00Z') });

  it('opens with the session and a header table', () => {
    assert.ok(md.startsWith("# 2024-05-03 Campagne d'Éther\n"));
    assert.match(md, /\| Date \| 2024-05-03 21:05 UTC \|/);
    assert.match(md, /\| Duration \| 1:02:11 \|/);
    assert.match(md, /\| Speakers \| SPK3 \(0:00:31\), Bob Le Barde \(0:00:30\), Alice \(0:00:17\) \|/);
    assert.match(md, /\| Sources \| partie-1\.m4a \(0:00:00–0:30:00\), partie 2\.mp3 \(0:30:00–1:02:11\) \|/);
  });

  it('merges consecutive segments of a speaker into one paragraph with its start time', () => {
    assert.match(md, /\n\*\*Alice\*\* \[0:00:01\] Bonjour à tous, on reprend là où on s'était arrêtés\. Le dragon se réveille\.\n/);
    assert.match(md, /\n\*\*Bob Le Barde\*\* \[0:00:06\] I cast fireball at the goblins!\n/);
    assert.match(md, /\n\[0:00:45\] Euh… attendez, quoi \?\n/, 'no name when the speaker is unknown');
    assert.match(md, /\n\*\*Alice\*\* \[1:02:05\] On fait une pause/);
  });

  it('escapes text that would become markup and leaves the date out when not given', () => {
    assert.match(md, /Si ton score est \\< 10 & que tu rates/);
    assert.equal(escapeMarkdown('*a* _b_ [c](d) <e> `f`'), '\\*a\\* \\_b\\_ \\[c\\](d) \\<e\\> \\`f\\`');
    assert.ok(!renderMarkdown(t).includes('| Date |'));
  });

  it('says so when nothing was transcribed', () => {
    assert.match(renderMarkdown({ ...t, segments: [], speakers: [] }), /not identified[\s\S]*_No speech was transcribed\._/);
  });
});

describe('renderMarkdown timestamps', () => {
  it('round a turn start down, so that seeking to it lands before the first word', () => {
    const t = { ...sampleTranscript(), segments: [{ start: 83.95, end: 85, text: 'Le dragon.', speaker: 'Alice' }, { start: 3599.6, end: 3602, text: 'Une heure.', speaker: 'Bob' }] };
    const md = renderMarkdown(t);
    assert.match(md, /\*\*Alice\*\* \[0:01:23\] Le dragon\./);
    assert.match(md, /\*\*Bob\*\* \[0:59:59\] Une heure\./);
  });
});
