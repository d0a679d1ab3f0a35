import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentTypeFor, FORMATS, getWriter, isFormat, renderAll } from '../../../job/writers/index.js';
import { sampleTranscript } from './fixture.js';

describe('writers registry', () => {
  it('has a writer for every format, named transcript.<ext>', () => {
    for (const format of FORMATS) {
      const w = getWriter(format);
      assert.equal(w.fileName, `transcript.${format}`);
      assert.match(w.contentType, /^[a-z]+\/[a-z0-9.+-]+/);
    }
  });

  it('renders every format, non-empty, by default', () => {
    const files = renderAll(sampleTranscript());
    assert.deepEqual(files.map((f) => f.name), FORMATS.map((f) => `transcript.${f}`));
    for (const f of files) assert.ok(f.content.length > 0, f.name);
  });

  it('renders only the formats asked, once each', () => {
    assert.deepEqual(renderAll(sampleTranscript(), ['srt', 'json', 'srt']).map((f) => f.name), ['transcript.srt', 'transcript.json']);
  });

  it('refuses an unknown format and guesses content types by extension', () => {
    assert.throws(() => getWriter('docx' as never), /Unknown output format "docx": use one of md, txt/);
    assert.equal(isFormat('vtt'), true);
    assert.equal(isFormat('docx'), false);
    assert.equal(contentTypeFor('session.zip'), 'application/zip');
    assert.equal(contentTypeFor('report.md'), 'text/markdown; charset=utf-8');
    assert.equal(contentTypeFor('README'), 'application/octet-stream');
  });
});
