import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyGlossary } from '../../../job/stages/glossary.js';
import { glossaryEntries, parseSessionContext } from '../../../lib/contracts/context.js';

const { context } = parseSessionContext(`
speakers: [{id: camille, name: Camille, nicknames: [la MJ]}]
glossary:
  characters: [Eldrin, {name: "Kael'thas", aliases: [Kaeltas, Kael tas]}]
  places: [{name: Val-de-Brume, aliases: [Valdebrume]}]
  terms: [Dungeon Master]
`);
const entries = glossaryEntries(context);

const cases: Array<[string, string]> = [
  ['eldrin arrive', 'Eldrin arrive'],
  ['Kaeltas et kael tas', "Kael'thas et Kael'thas"],
  ["kael'thas", "Kael'thas"],
  ['on part pour val de brume', 'on part pour Val-de-Brume'],
  ['VALDEBRUME !', 'Val-de-Brume !'],
  ['le dungeon master parle', 'le Dungeon Master parle'],
  ['Eldrinor et Keldrin restent', 'Eldrinor et Keldrin restent'],
  ['Éldrin', 'Eldrin'],
];

for (const [input, expected] of cases) {
  test(`glossary: "${input}"`, () => {
    const { segments } = applyGlossary([{ start: 0, end: 1, text: input }], entries);
    assert.equal(segments[0]!.text, expected);
  });
}

test('glossary counts replacements and leaves correct spellings alone', () => {
  const { replacements } = applyGlossary(
    [
      { start: 0, end: 1, text: 'Eldrin et eldrin' },
      { start: 1, end: 2, text: 'Kaeltas' },
    ],
    entries,
  );
  assert.deepEqual(replacements, { Eldrin: 1, "Kael'thas": 1 });
});
