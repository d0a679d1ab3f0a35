import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCues, CUE_LINE_CHARS, CUE_MAX_LINES } from '../../../job/writers/cues.js';
import { escapeVtt, renderVtt } from '../../../job/writers/vtt.js';
import { sampleTranscript } from './fixture.js';
import { ffmpegConvert, parseSubtitles } from './subtitle-tools.js';

describe('renderVtt', () => {
  const t = sampleTranscript();
  const vtt = renderVtt(t);
  const cues = buildCues(t.segments);

  it('starts with the WEBVTT header and writes HH:MM:SS.mmm', () => {
    assert.ok(vtt.startsWith('WEBVTT\n\n'));
    for (const line of vtt.split('\n').filter((l) => l.includes('-->'))) {
      assert.match(line, /^\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}$/);
    }
  });

  it('is read by ffmpeg without complaint, with the same cues and times and the markup decoded', async () => {
    const { code, stdout, stderr } = await ffmpegConvert(vtt, 'vtt', 'srt');
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    const back = parseSubtitles(stdout, 'srt');
    assert.deepEqual(
      back.map((c) => [c.start, c.end]),
      cues.map((c) => [c.startMs, c.endMs]),
    );
    // ffmpeg understood the voice span as markup and the references as characters.
    assert.ok(back.some((c) => c.text.includes('Si ton score est < 10 & que tu')));
    assert.ok(!stdout.includes('<v '));
    assert.ok(!stdout.includes('&amp;'));
  });

  it('is read by subsrt-ts with the same cues as the SRT file', () => {
    const parsed = parseSubtitles(vtt, 'vtt');
    assert.equal(parsed.length, cues.length);
    parsed.forEach((p, i) => {
      assert.equal(p.start, cues[i]!.startMs);
      assert.equal(p.end, cues[i]!.endMs);
      const lines = p.text.trimEnd().split('\n');
      assert.ok(lines.length <= CUE_MAX_LINES);
      for (const line of lines) assert.ok([...line.replace(/&lt;|&gt;|&amp;/g, '_')].length <= CUE_LINE_CHARS, line);
      if (i > 0) assert.ok(p.start >= parsed[i - 1]!.end, `cue ${i + 1} overlaps the previous one`);
    });
  });

  it('names the speaker in a voice span and escapes &, < and >', () => {
    assert.match(vtt, /\n<v Alice>Si ton score est &lt; 10 &amp; que tu\n/);
    assert.match(vtt, /\n<v Bob Le Barde>I cast fireball at the\n/);
    assert.match(vtt, /\nEuh… attendez, quoi \?\n/);
    const body = vtt
      .split('\n')
      .filter((l) => !l.includes(' --> '))
      .join('\n')
      .replace(/<v [^>]*>/g, '');
    assert.ok(!/[<>]/.test(body), 'no raw < or > outside voice spans');
    assert.ok(!/&(?!amp;|lt;|gt;)/.test(body), 'every & starts a reference');
    assert.equal(escapeVtt('a -> b & <c>'), 'a -&gt; b &amp; &lt;c&gt;');
  });

  it('escapes markup in speaker names', () => {
    const out = renderVtt({ ...t, segments: [{ start: 0, end: 1, text: 'Salut', speaker: 'R&D <MJ>' }] });
    assert.match(out, /<v R&amp;D &lt;MJ&gt;>Salut/);
  });
});
