import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldText } from '../../../job/stages/fold.js';
import { QUOTE_WINDOW_SECONDS, readTime, verifyRecap } from '../../../job/recap/verify.js';
import type { RecapDraft } from '../../../job/recap/answer.js';
import type { Segment } from '../../../job/transcript.js';

const SEGMENTS: Segment[] = [
  { start: 100, end: 104, text: 'Où est la relique ?', speaker: 'Léa' },
  { start: 104.5, end: 108, text: "On a promis de la ramener au temple, nous l'avons juré !", speaker: 'Léa' },
  { start: 600, end: 603, text: 'Faites un jet de sauvegarde.', speaker: 'Camille' },
];
const draft = (fields: Partial<RecapDraft>): RecapDraft => ({ previously: 'P', events: [], characters: [], places: [], items: [], threads: [], quotes: [], ...fields });
const check = (d: RecapDraft, duration = 700) => verifyRecap(d, { duration, segments: SEGMENTS }, { language: 'fr', model: 'm' });

describe('recap checks', () => {
  it('keeps a quote found word for word near its time, case, accents and punctuation aside', () => {
    const { recap, dropped } = check(draft({ quotes: [{ time: '0:01:50', speaker: 'Hugo', text: 'OU EST LA RELIQUE' }] }));
    assert.deepEqual(recap.quotes, [{ time: 100, speaker: 'Léa', text: 'OU EST LA RELIQUE' }], 'the time and the speaker of the line it was found in');
    assert.deepEqual(dropped, { quotes: 0, times: 0 });
  });

  it('finds a quote that runs across two segments', () => {
    const { recap } = check(draft({ quotes: [{ time: '0:01:40', text: 'la relique ? On a promis' }] }));
    assert.equal(recap.quotes.length, 1);
  });

  it('drops a quote that is not in the transcript, or only far from its time, or only as part of a word', () => {
    const cases = ['Je suis le roi des licornes', 'Où est la reliqu', 'us l avons'];
    for (const text of cases) {
      const { recap, dropped } = check(draft({ quotes: [{ time: '0:01:41', text }] }));
      assert.equal(recap.quotes.length, 0, text);
      assert.equal(dropped.quotes, 1, text);
    }
    const far = check(draft({ quotes: [{ time: 100 + QUOTE_WINDOW_SECONDS + 10, text: 'Où est la relique ?' }] }));
    assert.equal(far.recap.quotes.length, 0);
    assert.equal(far.dropped.quotes, 1);
    const near = check(draft({ quotes: [{ time: 104 + QUOTE_WINDOW_SECONDS - 1, text: 'Où est la relique ?' }] }));
    assert.equal(near.recap.quotes.length, 1);
  });

  it('drops events and quotes past the end of the session or without a readable time, and sorts the events', () => {
    const { recap, dropped } = check(
      draft({
        events: [
          { time: '0:10:00', text: 'Le sol tremble.' },
          { time: '0:01:40', text: 'Léa cherche la relique.' },
          { time: '0:11:41', text: 'Après la fin.' },
          { time: 'plus tard', text: 'Quand ?' },
        ],
        quotes: [{ time: '2:00:00', text: 'Faites un jet de sauvegarde.' }],
      }),
      700,
    );
    assert.deepEqual(recap.events.map((e) => e.time), [100, 600]);
    assert.deepEqual(dropped, { quotes: 0, times: 3 });
  });

  it('reads the times a model writes', () => {
    assert.equal(readTime('1:02:03'), 3723);
    assert.equal(readTime('[01:02:03]'), 3723);
    assert.equal(readTime('62:03'), 3723);
    assert.equal(readTime('1h02m03s'), 3723);
    assert.equal(readTime(3723), 3723);
    assert.equal(readTime('soon'), undefined);
    assert.equal(readTime(''), undefined);
  });

  it('compares text folded the way French is written and misheard (the glossary\'s foldText)', () => {
    assert.equal(foldText("  Où est-il ?! L'ÉPÉE…"), 'ou est il l epee');
  });

  it('lists each character, place and item once', () => {
    const { recap } = check(draft({ characters: [{ name: 'Eldrin', note: 'un elfe' }, { name: 'eldrin', note: 'encore' }, { name: '', note: 'x' }] }));
    assert.deepEqual(recap.characters, [{ name: 'Eldrin', note: 'un elfe' }]);
  });
});
