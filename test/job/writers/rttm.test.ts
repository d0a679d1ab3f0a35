import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderRttm, rttmId } from '../../../job/writers/rttm.js';
import { sampleTranscript } from './fixture.js';

describe('renderRttm', () => {
  const t = sampleTranscript();
  const lines = renderRttm(t).trimEnd().split('\n');

  it('writes 10 fields per line with the sanitised file id', () => {
    for (const line of lines) {
      const fields = line.split(' ');
      assert.equal(fields.length, 10, line);
      assert.equal(fields[0], 'SPEAKER');
      assert.equal(fields[1], "2024-05-03_Campagne_d_Éther");
      assert.equal(fields[2], '1');
      assert.deepEqual([fields[5], fields[6], fields[8], fields[9]], ['<NA>', '<NA>', '<NA>', '<NA>']);
      assert.match(fields[3]!, /^\d+\.\d{3}$/);
      assert.ok(Number(fields[4]) > 0);
    }
  });

  it('merges one speaker\'s segments less than 0.5 s apart and gives the right durations', () => {
    const rows = lines.map((l) => l.split(' ')).map((f) => ({ start: Number(f[3]), duration: Number(f[4]), speaker: f[7] }));
    // Alice 1.0–4.2 and 4.5–6.0 are 0.3 s apart: one turn of 5 s.
    assert.deepEqual(rows[0], { start: 1, duration: 5, speaker: 'Alice' });
    assert.deepEqual(rows[1], { start: 6.4, duration: 2.6, speaker: 'Bob_Le_Barde' });
    assert.deepEqual(rows.at(-1), { start: 3725.3, duration: 3.6, speaker: 'Alice' });
    for (const row of rows) assert.ok(!/\s/.test(row.speaker!));
  });

  it('leaves out segments without a speaker', () => {
    assert.ok(!lines.some((l) => / 45\.000 /.test(l)));
    assert.equal(lines.length, 9);
    assert.equal(renderRttm({ ...t, segments: t.segments.map(({ speaker: _, ...s }) => s) }), '');
  });

  it('keeps a gap of exactly 0.5 s as two turns', () => {
    const out = renderRttm({ ...t, segments: [{ start: 0, end: 1, text: 'a', speaker: 'A' }, { start: 1.5, end: 2, text: 'b', speaker: 'A' }] });
    assert.equal(out.trimEnd().split('\n').length, 2);
  });

  it('sanitises file ids', () => {
    assert.equal(rttmId('a b/c..d'), 'a_b_c..d');
    assert.equal(rttmId('   '), 'session');
  });
});
