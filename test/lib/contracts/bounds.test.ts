/**
 * Outside input that used to break the trigger and the job (issue 8, part 1, items 1, 2 and 12): alias bombs,
 * oversized files, lists without end and keys named like JavaScript built-ins. Each is refused (or warned about)
 * with a message naming the file, the field and the limit. Time and memory are printed as diagnostics, never
 * asserted (bench/bounds.bench.ts prints the same figures).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTEXT_LIMITS, parseSessionContext } from '../../../lib/contracts/context.js';
import { MANIFEST_LIMITS, parseManifest } from '../../../lib/contracts/manifest.js';
import { InputError } from '../../../lib/errors.js';
import { aliasBomb, manyWarningsBomb } from '../../support/bombs.js';

function measured<T>(t: { diagnostic(message: string): void }, what: string, work: () => T): T {
  const heap = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  try {
    return work();
  } finally {
    t.diagnostic(`${what}: ${(performance.now() - t0).toFixed(1)} ms, heap ${((process.memoryUsage().heapUsed - heap) / 1e6).toFixed(1)} MB`);
  }
}

const refused = (pattern: RegExp) => (e: unknown) => e instanceof InputError && pattern.test(e.message);

test('a context.yaml alias bomb (28 KB, 56 KB) is refused by the expanded-size bound, naming the file', (t) => {
  for (const kb of [28, 56]) {
    const text = aliasBomb(kb * 1024, { aliases: 90 });
    assert.ok(Math.abs(Buffer.byteLength(text) - kb * 1024) < 2048, `${Buffer.byteLength(text)} bytes`);
    measured(t, `${kb} KB alias bomb`, () =>
      assert.throws(() => parseSessionContext(text, 'sessions/s/context/context.yaml'), refused(/^sessions\/s\/context\/context\.yaml holds more than 100,000 values once its aliases \(\*name\) are expanded/)),
    );
  }
});

test('a document with more aliases than allowed is refused by js-yaml before it builds anything', (t) => {
  const text = aliasBomb(28 * 1024, { aliases: 400 });
  measured(t, '400 aliases', () => assert.throws(() => parseSessionContext(text, 'ctx.yaml'), refused(/ctx\.yaml is not valid YAML: aliases exceeded maxAliases \(100\)/)));
  assert.throws(() => parseManifest(text, '_READY'), refused(/_READY is neither valid JSON nor valid YAML: aliases exceeded maxAliases/));
});

test('files over their size limit are refused before parsing, saying the limit', (t) => {
  const ready = Buffer.alloc(50 * 1024 * 1024, 'recipients: []\n');
  measured(t, '50 MB _READY', () => assert.throws(() => parseManifest(ready, 'gs://in/sessions/s/_READY'), refused(/gs:\/\/in\/sessions\/s\/_READY is larger than 256 KB, the most it may hold/)));
  const context = 'glossary:\n  terms:\n' + '    - un terme assez long pour remplir le fichier\n'.repeat(30_000);
  assert.ok(Buffer.byteLength(context) > CONTEXT_LIMITS.bytes);
  assert.throws(() => parseSessionContext(context, 'ctx.yaml'), refused(/ctx\.yaml is larger than 1\.0 MB/));
  assert.equal(MANIFEST_LIMITS.bytes, 256 * 1024);
});

test('deep nesting is refused', () => {
  const deep = 'speakers: ' + '['.repeat(200) + ']'.repeat(200);
  assert.throws(() => parseSessionContext(deep, 'ctx.yaml'), refused(/ctx\.yaml is not valid YAML: nesting exceeded maxDepth/));
});

test('a small alias file that multiplied unknown keys gives a bounded answer, not 90,000 warnings', (t) => {
  const text = manyWarningsBomb();
  assert.ok(Buffer.byteLength(text) < 4096, `${Buffer.byteLength(text)} bytes`);
  const outcome = measured(t, 'warnings bomb', () => {
    try {
      return parseSessionContext(text, 'ctx.yaml').warnings;
    } catch (err) {
      return (err as Error).message.split('\n');
    }
  });
  assert.ok(outcome.length <= CONTEXT_LIMITS.warnings + 3, `${outcome.length} lines`);
  assert.ok(outcome.some((l) => /… and \d+ more/.test(l) || /at most 50 speakers/.test(l)), outcome.join('\n'));
});

const caps: Array<[string, string, RegExp]> = [
  ['speakers', `speakers:\n${Array.from({ length: 51 }, (_, i) => `  - id: p${i}`).join('\n')}`, /speakers: at most 50 speakers \(found 51\)/],
  ['nicknames', `speakers:\n  - id: a\n    nicknames: [${Array.from({ length: 21 }, (_, i) => `n${i}`).join(', ')}]`, /speakers\[0\]\.nicknames: at most 20 nicknames \(found 21\)/],
  ['voice samples', `speakers:\n  - id: a\n    voice_samples: [${Array.from({ length: 11 }, (_, i) => `v${i}.wav`).join(', ')}]`, /speakers\[0\]\.voice_samples: at most 10 voice samples \(found 11\)/],
  ['glossary entries', `glossary:\n  characters: [${Array.from({ length: 2001 }, (_, i) => `c${i}`).join(', ')}]`, /glossary\.characters: at most 2000 entries \(found 2001\)/],
  ['aliases', `glossary:\n  places: [{name: Port, aliases: [${Array.from({ length: 51 }, (_, i) => `a${i}`).join(', ')}]}]`, /glossary\.places\[0\]\.aliases: at most 50 aliases \(found 51\)/],
  ['long names', `speakers:\n  - id: ${'x'.repeat(201)}`, /speakers\[0\]\.id: must be at most 200 characters/],
];
for (const [what, text, expected] of caps) {
  test(`context.yaml: too many ${what} is refused, naming the field and the cap`, () => {
    assert.throws(() => parseSessionContext(text, 'ctx.yaml'), refused(expected));
  });
}

test('_READY: too many files or recipients is refused, naming the field and the cap', () => {
  const files = `files: [${Array.from({ length: 2001 }, (_, i) => `{name: p${i}.m4a}`).join(', ')}]`;
  assert.throws(() => parseManifest(files), refused(/files: at most 2000 files \(found 2001\)/));
  const recipients = `recipients: [${Array.from({ length: 51 }, (_, i) => `p${i}@club.example`).join(', ')}]`;
  assert.throws(() => parseManifest(recipients), refused(/recipients: at most 50 recipients \(found 51\)/));
});

test('a manifest with thousands of problems lists the first 20, then how many more', () => {
  const text = `files: [${Array.from({ length: 500 }, () => '{name: 12}').join(', ')}]`;
  assert.throws(
    () => parseManifest(text),
    (e: unknown) => e instanceof InputError && e.message.split('\n').filter((l) => l.startsWith('  - ')).length === 21 && /… and 480 more/.test(e.message),
  );
});

const BUILTINS = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

test('keys named like JavaScript built-ins in context.yaml are unknown keys: warnings, not crashes', () => {
  const text = [
    ...BUILTINS.map((k) => `${k}: 1`),
    'speakers:',
    `  - { id: alice, ${BUILTINS.map((k) => `${k}: x`).join(', ')} }`,
    'glossary:',
    ...BUILTINS.map((k) => `  ${k}: [y]`),
    'overrides:',
    `  speakers: { SPK1: Alice, __proto__: Mallory, constructor: Bob }`,
  ].join('\n');
  const { context, warnings } = parseSessionContext(text, 'ctx.yaml');
  for (const k of BUILTINS) assert.ok(warnings.some((w) => w === `ctx.yaml: unknown key "${k}" was ignored (known keys: speakers, glossary, overrides)`), `top-level ${k}`);
  assert.ok(warnings.some((w) => w.includes('"speakers[0].constructor"')));
  assert.ok(warnings.some((w) => w.includes('"overrides.speakers.__proto__"')), warnings.join('\n'));
  assert.equal(context.speakers[0]!.id, 'alice');
  assert.equal(context.overrides.speakers.SPK1, 'Alice');
  assert.equal(Object.getPrototypeOf(context.overrides.speakers), Object.prototype, 'no prototype was replaced');
});

test('keys named like JavaScript built-ins in _READY are unknown fields, not a TypeError', () => {
  const text = BUILTINS.map((k) => `${k}: 1`).join('\n') + '\nfiles: [{name: a.m4a, constructor: 1}]';
  const { manifest, warnings } = parseManifest(text);
  assert.deepEqual(manifest.files.map((f) => f.name), ['a.m4a']);
  for (const k of BUILTINS) assert.ok(warnings.includes(`_READY: unknown field "${k}" was ignored`), k);
  assert.ok(warnings.includes('_READY: unknown field "files[0].constructor" was ignored'));
});
