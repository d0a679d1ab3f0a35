import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildReport } from '../../../job/report.js';
import { renderOutputs, REPORT_FILES, writeRendered } from '../../../job/stages/render.js';
import { FORMATS } from '../../../job/writers/index.js';
import { sampleTranscript } from '../writers/fixture.js';
import { scratchDir } from '../../support/fixtures.js';

describe('render stage', () => {
  const t = sampleTranscript();
  const report = buildReport(t, {
    runId: 'r1',
    createdAt: new Date('2024-05-03T21:05:00Z'),
    inputUri: 'file:///in/',
    outputUri: 'file:///out/',
    wallSeconds: 100,
    stages: [],
    skipped: [{ name: 'notes.txt', reason: 'not an audio file' }],
  });
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('renders every format and the report, dating the Markdown from the report', () => {
    const files = renderOutputs(t, { report });
    assert.deepEqual(
      files.map((f) => f.name),
      [...FORMATS.map((f) => `transcript.${f}`), REPORT_FILES.markdown, REPORT_FILES.json],
    );
    assert.match(files[0]!.content, /\| Date \| 2024-05-03 21:05 UTC \|/);
    assert.match(files.find((f) => f.name === 'report.md')!.content, /notes\.txt`: not an audio file/);
    assert.equal(files.find((f) => f.name === 'report.json')!.contentType, 'application/json; charset=utf-8');
  });

  it('renders only the asked formats, and no report without one', () => {
    assert.deepEqual(renderOutputs(t, { formats: ['vtt', 'txt'] }).map((f) => f.name), ['transcript.vtt', 'transcript.txt']);
  });

  it('writes the files as UTF-8 into a folder it creates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jdr-render-'));
    dirs.push(dir);
    const files = renderOutputs(t, { report });
    const paths = await writeRendered(files, join(dir, 'out'));
    assert.deepEqual(paths, files.map((f) => join(dir, 'out', f.name)));
    assert.deepEqual((await readdir(join(dir, 'out'))).sort(), files.map((f) => f.name).sort());
    assert.equal(await readFile(join(dir, 'out', 'transcript.txt'), 'utf8'), files[1]!.content);
  });

  it('refuses a name that is not a plain file name', async () => {
    await assert.rejects(writeRendered([{ name: '../x.md', contentType: 'text/plain', content: '' }], tmpdir()), /plain file name/);
  });

  it('a disk that fills up mid-file leaves neither a truncated output nor a temporary one', async () => {
    const { execFile } = await import('node:child_process');
    const { readdirSync, statSync } = await import('node:fs');
    const { pathToFileURL } = await import('node:url');
    const dir = join(scratchDir(), 'render-disk-full');
    // `ulimit -f` caps the size of any file the child writes (40 KB here): past it, writes fail with EFBIG, like a
    // full disk, after part of the file has been written.
    const script = `import { writeRendered } from ${JSON.stringify(pathToFileURL(join(process.cwd(), 'job/stages/render.ts')).href)};
      const files = [{ name: 'report.json', contentType: 'application/json', content: '{}' }, { name: 'transcript.json', contentType: 'application/json', content: 'x'.repeat(200000) }];
      try { await writeRendered(files, ${JSON.stringify(dir)}); console.log('written'); } catch (e) { console.log(e.code); }`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile('bash', ['-c', `ulimit -f 80; exec "${process.execPath}" --import tsx --input-type=module -e '${script.replace(/'/g, "'\\''")}'`], (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    assert.match(out, /EFBIG/);
    assert.deepEqual(readdirSync(dir), ['report.json'], 'the complete file stays, the truncated one and its temporary copy are gone');
    assert.equal(statSync(join(dir, 'report.json')).size, 2);
  });
});
