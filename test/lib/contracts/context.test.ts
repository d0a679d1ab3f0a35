import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { glossaryEntries, parseSessionContext } from '../../../lib/contracts/context.js';
import { InputError } from '../../../lib/errors.js';

test('the example context.yaml parses without warnings', () => {
  const { context, warnings } = parseSessionContext(readFileSync('context/context.yaml', 'utf8'));
  assert.deepEqual(warnings, []);
  assert.ok(context.speakers.length >= 3);
  assert.ok(glossaryEntries(context).length >= 3);
});

test('an empty file is an empty context', () => {
  const { context } = parseSessionContext('');
  assert.deepEqual(context.speakers, []);
  assert.deepEqual(context.overrides.speakers, {});
});

test('unknown keys produce a warning naming them, at any depth', () => {
  const { warnings } = parseSessionContext(
    ['glosary: {}', 'speakers:', '  - id: alice', '    voice: x.wav', 'glossary:', '  monsters: [Tarasque]'].join('\n'),
    'sessions/s1/context/context.yaml',
  );
  assert.equal(warnings.length, 3);
  assert.ok(warnings.some((w) => w.includes('"glosary"')));
  assert.ok(warnings.some((w) => w.includes('"speakers[0].voice"')));
  assert.ok(warnings.some((w) => w.includes('"glossary.monsters"')));
  assert.ok(warnings.every((w) => w.startsWith('sessions/s1/context/context.yaml')));
});

test('glossary entries are strings or objects with aliases', () => {
  const { context } = parseSessionContext('glossary:\n  characters: [Eldrin, {name: "Kael\'thas", aliases: [Kaeltas]}]\n  places: [Port-Sombre]\n');
  assert.deepEqual(glossaryEntries(context), [
    { name: 'Eldrin', aliases: [], kind: 'characters' },
    { name: "Kael'thas", aliases: ['Kaeltas'], kind: 'characters' },
    { name: 'Port-Sombre', aliases: [], kind: 'places' },
  ]);
});

test('bad YAML and bad fields are InputErrors naming the file and the field', () => {
  assert.throws(() => parseSessionContext('speakers: [', 'ctx.yaml'), (e: unknown) => e instanceof InputError && /ctx.yaml is not valid YAML/.test(e.message));
  assert.throws(
    () => parseSessionContext('speakers:\n  - nicknames: [x]\n', 'ctx.yaml'),
    (e: unknown) => e instanceof InputError && /speakers\[0\]\.id/.test(e.message),
  );
});

test("a speaker's character: optional, named, bounded; the example says who plays whom", () => {
  const { context } = parseSessionContext(readFileSync('context/context.yaml', 'utf8'));
  assert.equal(context.speakers.find((s) => s.id === 'hugo')?.character, 'Eldrin');
  assert.equal(context.speakers.find((s) => s.id === 'camille')?.character, undefined);
  assert.throws(() => parseSessionContext(`speakers: [{ id: a, character: "${'x'.repeat(201)}" }]`), /speakers\[0\]\.character: must be at most 200 characters/);
  assert.throws(() => parseSessionContext('speakers: [{ id: a, character: [Eldrin, Kael] }]'), /speakers\[0\]\.character/);
});
