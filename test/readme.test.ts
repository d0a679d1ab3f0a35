import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { RUN_FLAGS } from '../cli/options.js';

const readme = readFileSync('README.md', 'utf8');

test('the README documents every CLI flag with its variable', () => {
  for (const f of RUN_FLAGS) {
    assert.ok(readme.includes(`| \`${f.flag}\` | \`${f.env}\` |`), `README row for ${f.flag} / ${f.env}`);
  }
});

test('the README names the two commands and CI runs the test one', () => {
  assert.match(readme, /^make demo\b/m);
  assert.match(readme, /^make test\b/m);
  assert.match(readFileSync('.ci/run', 'utf8'), /^make test$/m);
});
