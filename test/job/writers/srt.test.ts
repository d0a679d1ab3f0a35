import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCues, CUE_LINE_CHARS, CUE_MAX_LINES } from '../../../job/writers/cues.js';
import { renderSrt } from '../../../job/writers/srt.js';
import { sampleTranscript } from './fixture.js';
import { ffmpegConvert, parseSubtitles } from './subtitle-tools.js';

describe('renderSrt', () => {
  const t = sampleTranscript();
  const srt = renderSrt(t);
  const cues = buildCues(t.segments);

  it('is read by ffmpeg without complaint, with the same cues and times', async () => {
    const { code, stdout, stderr } = await ffmpegConvert(srt, 'srt', 'srt');
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    const back = parseSubtitles(stdout, 'srt');
    assert.deepEqual(
      back.map((c) => [c.start, c.end]),
      cues.map((c) => [c.startMs, c.endMs]),
    );
  });

  it('is read by subsrt-ts with the same cues, times and text', () => {
    const parsed = parseSubtitles(srt, 'srt');
    assert.equal(parsed.length, cues.length);
    parsed.forEach((p, i) => {
      const cue = cues[i]!;
      assert.equal(p.start, cue.startMs);
      assert.equal(p.end, cue.endMs);
      const lines = p.text.trimEnd().split('\n');
      assert.ok(lines.length <= CUE_MAX_LINES);
      for (const line of lines) assert.ok([...line].length <= CUE_LINE_CHARS, line);
      if (i > 0) assert.ok(p.start >= parsed[i - 1]!.end, `cue ${i + 1} overlaps the previous one`);
    });
  });

  it('numbers cues from 1 and writes HH:MM:SS,mmm, past the hour too', () => {
    const blocks = srt.trimEnd().split('\n\n');
    assert.equal(blocks.length, cues.length);
    blocks.forEach((block, i) => {
      const [index, timing] = block.split('\n');
      assert.equal(index, String(i + 1));
      assert.match(timing!, /^\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}$/);
    });
    assert.match(srt, /\n01:02:05,300 --> 01:02:08,900\nAlice: On fait une pause \? Il est tard\.\n/);
  });

  it('leads every cue with the speaker, including each piece of a split segment, and escapes nothing', () => {
    assert.match(srt, /\nAlice: Si ton score est < 10 & que tu\n/);
    const spk3 = parseSubtitles(srt, 'srt').filter((c) => c.text.startsWith('SPK3: '));
    assert.ok(spk3.length >= 4, 'the long monologue is split over several cues');
    assert.match(srt, /\nEuh… attendez, quoi \?\n/, 'no prefix without a speaker');
  });

  it('renders an empty transcript as an empty file', () => {
    assert.equal(renderSrt({ ...t, segments: [] }), '');
  });
});
